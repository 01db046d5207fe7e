/* Stub libcuda.so.1 (driver API): FAKE_CU_INIT_RC=34|100|802|804 reproduces the stub,
 * no-device, fabric-manager and forward-compat failures. */
#include <dlfcn.h>
#include "fake_env.h"

int cuInit(unsigned int flags) { (void)flags; return fake_int("FAKE_CU_INIT_RC", 0); }
int cuDriverGetVersion(int *v) { *v = fake_int("FAKE_CUDA_DRIVER_VERSION", 12040); return 0; }
int cuDeviceGetCount(int *count) {
    int rc = fake_int("FAKE_CU_INIT_RC", 0);
    *count = rc ? 0 : fake_gpu_count();
    return rc ? 3 : 0; /* CUDA_ERROR_NOT_INITIALIZED */
}

static const char *error_name(int rc) {
    switch (rc) {
    case 0: return "CUDA_SUCCESS";
    case 3: return "CUDA_ERROR_NOT_INITIALIZED";
    case 34: return "CUDA_ERROR_STUB_LIBRARY";
    case 100: return "CUDA_ERROR_NO_DEVICE";
    case 802: return "CUDA_ERROR_SYSTEM_NOT_READY";
    case 803: return "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH";
    case 804: return "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE";
    default: return "CUDA_ERROR_UNKNOWN";
    }
}
int cuGetErrorName(int rc, const char **name) { *name = error_name(rc); return 0; }
int cuGetErrorString(int rc, const char **text) { *text = error_name(rc); return 0; }

/* Resolve entry points from this stub itself, as the real driver does for cudart. */
int cuGetProcAddress(const char *symbol, void **fn, int version, unsigned long long flags) {
    (void)version; (void)flags;
    *fn = dlsym(RTLD_DEFAULT, symbol);
    return *fn ? 0 : 500; /* CUDA_ERROR_NOT_FOUND */
}
int cuGetProcAddress_v2(const char *symbol, void **fn, int version, unsigned long long flags,
                        int *status) {
    int rc = cuGetProcAddress(symbol, fn, version, flags);
    if (status) *status = rc ? 1 : 0;
    return rc;
}
