/* Stub libcudnn.so.9: cudnnGetVersion from FAKE_CUDNN_VERSION (cuDNN 9 encoding: 90100 = 9.1.0). */
#include <stddef.h>
#include "fake_env.h"

size_t cudnnGetVersion(void) { return (size_t)fake_int("FAKE_CUDNN_VERSION", 91002); }
