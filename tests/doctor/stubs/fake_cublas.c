/* Stub libcublas.so.12: only there to be found and mapped (which copy wins is the test). */
int cublasGetVersion_v2(void *handle, int *v) { (void)handle; *v = 120804; return 0; }
