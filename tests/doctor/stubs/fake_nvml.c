/* Stub libnvidia-ml.so.1: the NVML calls pynvml and the doctor probe make, driven by FAKE_*.
 * Per GPU (comma lists by index): FAKE_GPU_LOST=1 (NVML_ERROR_GPU_IS_LOST), FAKE_MIG_MODE=1,
 * FAKE_MIG_DEVICES=N (MIG devices on that GPU), FAKE_COMPUTE_MODE=3 (exclusive process);
 * FAKE_PROCS="GPU:PID:BYTES;..." compute processes running on the GPUs.
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
    case 15: return "GPU is lost";
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

/* A handle is index + 1 (never NULL); a MIG device's is 1000 + 100 * GPU + MIG index. */
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev) {
    if ((int)index >= fake_gpu_count()) return 2;
    if (fake_list_int("FAKE_GPU_LOST", (int)index, 0)) return 15; /* GPU_IS_LOST */
    *dev = (nvmlDevice_t)(size_t)(index + 1);
    return 0;
}
int nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *dev) {
    return nvmlDeviceGetHandleByIndex_v2(index, dev);
}
static int idx(nvmlDevice_t dev) {
    int h = (int)(size_t)dev;
    return h >= 1000 ? (h - 1000) / 100 : h - 1;
}
static int mig_idx(nvmlDevice_t dev) {
    int h = (int)(size_t)dev;
    return h >= 1000 ? (h - 1000) % 100 : -1;
}

int nvmlDeviceGetName(nvmlDevice_t dev, char *buf, unsigned int len) {
    char name[128]; int major, minor;
    if (!fake_gpu(idx(dev), name, sizeof name, &major, &minor)) return 2;
    if (mig_idx(dev) >= 0) strncat(name, " MIG 1g.10gb", sizeof name - strlen(name) - 1);
    return copy_text(name, buf, len);
}
int nvmlDeviceGetUUID(nvmlDevice_t dev, char *buf, unsigned int len) {
    char uuid[64];
    if (mig_idx(dev) >= 0)
        snprintf(uuid, sizeof uuid, "MIG-%08d-5555-6666-7777-%012d", idx(dev), mig_idx(dev));
    else
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

int nvmlDeviceGetMigMode(nvmlDevice_t dev, unsigned int *current, unsigned int *pending) {
    int mode = fake_list_int("FAKE_MIG_MODE", idx(dev), -1);
    if (mode < 0) return 3; /* NOT_SUPPORTED: not a MIG-capable GPU */
    *current = *pending = (unsigned)mode;
    return 0;
}
int nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t dev, unsigned int *count) {
    *count = fake_list_int("FAKE_MIG_MODE", idx(dev), 0) == 1 ? 7 : 0;
    return 0;
}
int nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t dev, unsigned int index, nvmlDevice_t *mig) {
    if ((int)index >= fake_list_int("FAKE_MIG_DEVICES", idx(dev), 0)) return 6; /* NOT_FOUND */
    *mig = (nvmlDevice_t)(size_t)(1000 + 100 * idx(dev) + (int)index);
    return 0;
}
int nvmlDeviceGetComputeMode(nvmlDevice_t dev, int *mode) {
    *mode = fake_list_int("FAKE_COMPUTE_MODE", idx(dev), 0);
    return 0;
}

typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gi, ci; } nvmlProcessInfo_t;

int nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t dev, unsigned int *count,
                                            nvmlProcessInfo_t *infos) {
    const char *spec = fake_str("FAKE_PROCS", "");
    unsigned int n = 0, room = *count;
    while (*spec) {
        int gpu = -1; unsigned int pid = 0; unsigned long long bytes = 0;
        if (sscanf(spec, "%d:%u:%llu", &gpu, &pid, &bytes) >= 2 && gpu == idx(dev)) {
            if (infos && n < room) {
                infos[n].pid = pid; infos[n].usedGpuMemory = bytes; infos[n].gi = infos[n].ci = 0;
            }
            n++;
        }
        const char *end = strchr(spec, ';');
        if (!end) break;
        spec = end + 1;
    }
    *count = n;
    return (n > room || (!infos && n)) ? 7 : 0; /* INSUFFICIENT_SIZE asks for a bigger array */
}
