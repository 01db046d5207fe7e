/* Shared helpers for the doctor's stub CUDA libraries: behaviour comes from FAKE_* env vars. */
#ifndef FAKE_ENV_H
#define FAKE_ENV_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fake_int(const char *name, int fallback) {
    const char *value = getenv(name);
    return (value && *value) ? atoi(value) : fallback;
}

static const char *fake_str(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value ? value : fallback;
}

/* FAKE_GPUS="NVIDIA H100 80GB HBM3:9.0;Tesla T4:7.5" -> entry `index` (name, major, minor). */
static int fake_gpu(int index, char *name, size_t len, int *major, int *minor) {
    const char *spec = fake_str("FAKE_GPUS", "NVIDIA H100 80GB HBM3:9.0");
    int current = 0;
    while (*spec) {
        const char *end = strchr(spec, ';');
        size_t n = end ? (size_t)(end - spec) : strlen(spec);
        if (n > 0 && current++ == index) {
            char entry[256];
            if (n >= sizeof entry) n = sizeof entry - 1;
            memcpy(entry, spec, n);
            entry[n] = 0;
            char *colon = strrchr(entry, ':');
            *major = 0; *minor = 0;
            if (colon) { *colon = 0; sscanf(colon + 1, "%d.%d", major, minor); }
            if (name) { strncpy(name, entry, len - 1); name[len - 1] = 0; }
            return 1;
        }
        if (!end) break;
        spec = end + 1;
    }
    return 0;
}

/* FAKE_X="0,3" -> entry `index` of a comma list as an int (a single value applies to all). */
static int fake_list_int(const char *name, int index, int fallback) {
    const char *value = getenv(name);
    if (!value || !*value) return fallback;
    int current = 0, last = fallback;
    while (*value) {
        last = atoi(value);
        if (current++ == index) return last;
        const char *comma = strchr(value, ',');
        if (!comma) break;
        value = comma + 1;
    }
    return current == 1 ? last : fallback;
}

static int fake_gpu_count(void) {
    char name[8]; int major, minor, n = 0;
    while (fake_gpu(n, name, sizeof name, &major, &minor)) n++;
    return n;
}
#endif
