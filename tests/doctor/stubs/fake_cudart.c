/* Stub libcudart.so.12 (runtime API): versions and device count from FAKE_*. */
#include "fake_env.h"

int cudaRuntimeGetVersion(int *v) { *v = fake_int("FAKE_CUDART_VERSION", 12080); return 0; }
int cudaDriverGetVersion(int *v) { *v = fake_int("FAKE_CUDA_DRIVER_VERSION", 12040); return 0; }
int cudaGetDeviceCount(int *count) {
    int rc = fake_int("FAKE_CUDART_RC", 0); /* 35 = cudaErrorInsufficientDriver */
    *count = rc ? 0 : fake_gpu_count();
    return rc;
}
