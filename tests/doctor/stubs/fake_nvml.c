/* Stub libnvidia-ml.so.1: the NVML calls pynvml and the doctor probe make, driven by FAKE_*.
 * Built twice: the full stub, and with -DOLD_DRIVER (no _v2 CUDA version, no fabric info)
 * to reproduce NVMLError_FunctionNotFound on old drivers. */
#include <stdio.h>
#include "fake_env.h"

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned char clusterUuid[16]; int status; unsigned int cliqueId; unsigned char state; } nvmlGpuFabricInfo_t;
typedef void *nvmlDevice_t;

static int init_rc(void) { return fake_int("FAKE_NVML_INIT_RC", 0); }
int nvmlInitWithFlags(unsigned int flags) { (void)flags; return init_rc(); }
int nvmlInit_v2(void) { return init_rc(); }
int nvmlInit(void) { return init_rc(); }
int nvmlShutdown(void) { return 0; }

const char *nvmlErrorString(int rc) {
    switch (rc) {
    case 0: return "Success";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 9: return "Driver Not Loaded";
    case 12: return "NVML Shared Library Not Found";
    case 13: return "Function Not Found";
    case 18: return "Driver/library version mismatch";
    default: return "Unknown Error";
    }
}

static int copy_text(const char *text, char *buf, unsigned int len) {
    if (strlen(text) + 1 > len) return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
    strcpy(buf, text);
    return 0;
}

int nvmlSystemGetDriverVersion(char *buf, unsigned int len) {
    return copy_text(fake_str("FAKE_DRIVER_VERSION", "550.54.15"), buf, len);
}
int nvmlSystemGetNVMLVersion(char *buf, unsigned int len) {
    return copy_text("12.550.54.15", buf, len);
}
int nvmlSystemGetCudaDriverVersion(int *v) { *v = fake_int("FAKE_CUDA_DRIVER_VERSION", 12040); return 0; }
#ifndef OLD_DRIVER
int nvmlSystemGetCudaDriverVersion_v2(int *v) {
    *v = fake_int("FAKE_CUDA_DRIVER_VERSION_V2", fake_int("FAKE_CUDA_DRIVER_VERSION", 12040));
    return 0;
}
#endif

int nvmlDeviceGetCount_v2(unsigned int *count) { *count = (unsigned)fake_gpu_count(); return 0; }
int nvmlDeviceGetCount(unsigned int *count) { return nvmlDeviceGetCount_v2(count); }

/* A handle is index + 1 (never NULL). */
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev) {
    if ((int)index >= fake_gpu_count()) return 2;
    *dev = (nvmlDevice_t)(size_t)(index + 1);
    return 0;
}
int nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *dev) {
    return nvmlDeviceGetHandleByIndex_v2(index, dev);
}
static int idx(nvmlDevice_t dev) { return (int)(size_t)dev - 1; }

int nvmlDeviceGetName(nvmlDevice_t dev, char *buf, unsigned int len) {
    char name[128]; int major, minor;
    if (!fake_gpu(idx(dev), name, sizeof name, &major, &minor)) return 2;
    return copy_text(name, buf, len);
}
int nvmlDeviceGetUUID(nvmlDevice_t dev, char *buf, unsigned int len) {
    char uuid[64];
    snprintf(uuid, sizeof uuid, "GPU-%08d-1111-2222-3333-444444444444", idx(dev));
    return copy_text(uuid, buf, len);
}
int nvmlDeviceGetCudaComputeCapability(nvmlDevice_t dev, int *major, int *minor) {
    return fake_gpu(idx(dev), NULL, 0, major, minor) ? 0 : 2;
}
int nvmlDeviceGetMemoryInfo(nvmlDevice_t dev, nvmlMemory_t *mem) {
    (void)dev;
    mem->total = 80ULL << 30; mem->used = 1ULL << 30; mem->free = mem->total - mem->used;
    return 0;
}
int nvmlDeviceGetBrand(nvmlDevice_t dev, int *brand) {
    (void)dev; *brand = fake_int("FAKE_GPU_BRAND", 14); /* NVML_BRAND_NVIDIA */
    return 0;
}
int nvmlDeviceGetIndex(nvmlDevice_t dev, unsigned int *index) { *index = (unsigned)idx(dev); return 0; }
#ifndef OLD_DRIVER
int nvmlDeviceGetGpuFabricInfo(nvmlDevice_t dev, nvmlGpuFabricInfo_t *info) {
    (void)dev;
    int state = fake_int("FAKE_FABRIC_STATE", -1);
    if (state < 0) return 3; /* NOT_SUPPORTED: no NVSwitch */
    memset(info, 0, sizeof *info);
    info->state = (unsigned char)state;
    info->status = fake_int("FAKE_FABRIC_STATUS", 0);
    return 0;
}
#endif
