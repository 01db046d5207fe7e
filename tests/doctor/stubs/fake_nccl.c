/* Stub libnccl.so.2: ncclGetVersion from FAKE_NCCL_VERSION (21805 = 2.18.5). */
#include "fake_env.h"

int ncclGetVersion(int *v) { *v = fake_int("FAKE_NCCL_VERSION", 22703); return 0; }
