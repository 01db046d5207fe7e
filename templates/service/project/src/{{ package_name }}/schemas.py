"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 1000  # bounds memory and latency per request


class PredictRequest(BaseModel):
    """A batch of feature vectors, each with the model's number of features."""

    # NaN and infinity would flow through the model into a response JSON cannot carry.
    model_config = ConfigDict(allow_inf_nan=False)

    instances: list[list[float]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        examples=[[[12.0, 70.5, 1.0, 0.1]]],
    )


class Prediction(BaseModel):
    """The model's answer for one instance."""

    probability: float = Field(ge=0.0, le=1.0)
    label: str


class PredictResponse(BaseModel):
    """Predictions in the order of the request's instances."""

    model_version: str
    predictions: list[Prediction]
