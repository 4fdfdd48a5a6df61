/*
 * A fake libnvidia-ml.so.1 for gpufleet's NVML binding tests.
 *
 * Exports the NVML symbols the Java binding uses, with the real x86-64 struct layouts (checked by the
 * _Static_asserts below and, from Java, through fake_sizeof/fake_offsetof), scripted values taken from
 * a real H100 80GB HBM3 (driver 580), and control functions (fake_*) the tests call to script failures,
 * lost GPUs, events, NVLinks and topology.
 *
 * Built twice by the test build: the default variant (a current driver, versioned symbols present) and
 * -DFAKE_OLD_DRIVER (an old driver: only the unversioned/older entry points, so the binding must fall back).
 * Not built with a SONAME on purpose: a later dlopen("libnvidia-ml.so.1") in the same JVM must not pick
 * the fake up instead of a real driver library.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>

#define EXPORT __attribute__((visibility("default")))

/* ---- NVML types, as in nvml.h (x86-64) ---- */
typedef int nvmlReturn_t;
typedef struct fake_device *nvmlDevice_t;
typedef struct fake_event_set *nvmlEventSet_t;

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; } nvmlProcessInfo_v1_t;
typedef struct {
    unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;
typedef struct {
    nvmlDevice_t device; unsigned long long eventType, eventData; unsigned int gpuInstanceId, computeInstanceId;
} nvmlEventData_t;
/* What nvmlEventSetWait (v1) of old drivers fills: no GI/CI ids. */
typedef struct { nvmlDevice_t device; unsigned long long eventType, eventData; } nvmlEventData_v1_t;
typedef struct {
    char busIdLegacy[16]; unsigned int domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32];
} nvmlPciInfo_t;
typedef struct { unsigned int version; int sensorType; int temperature; } nvmlTemperature_t;
typedef union {
    double dVal; unsigned int uiVal; unsigned long ulVal; unsigned long long ullVal; signed long long sllVal;
    signed int siVal; unsigned short usVal;
} nvmlValue_t;
typedef struct {
    unsigned int fieldId, scopeId; long long timestamp, latencyUsec; int valueType; nvmlReturn_t nvmlReturn;
    nvmlValue_t value;
} nvmlFieldValue_t;

_Static_assert(sizeof(nvmlMemory_t) == 24, "nvmlMemory_t");
_Static_assert(sizeof(nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t");
_Static_assert(sizeof(nvmlUtilization_t) == 8, "nvmlUtilization_t");
_Static_assert(sizeof(nvmlProcessInfo_v1_t) == 16, "nvmlProcessInfo_v1_t");
_Static_assert(sizeof(nvmlProcessInfo_t) == 24, "nvmlProcessInfo_t");
_Static_assert(sizeof(nvmlEventData_t) == 32, "nvmlEventData_t");
_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t");
_Static_assert(sizeof(nvmlTemperature_t) == 12, "nvmlTemperature_t");
_Static_assert(sizeof(nvmlFieldValue_t) == 40, "nvmlFieldValue_t");

enum {
    SUCCESS = 0, UNINITIALIZED = 1, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, NOT_FOUND = 6,
    INSUFFICIENT_SIZE = 7, DRIVER_NOT_LOADED = 9, TIMEOUT = 10, GPU_IS_LOST = 15, ARGUMENT_VERSION_MISMATCH = 25,
    UNKNOWN = 999
};

#define MAX_DEV 8
#define MAX_LINKS 36
#define MAX_PROCS 64
#define MAX_RULES 128
#define MAX_EVENTS 256

/* ---- scripted values ---- */
enum key {
    K_MEM_TOTAL, K_MEM_FREE, K_MEM_USED, K_MEM_RESERVED, K_UTIL_GPU, K_UTIL_MEM, K_TEMP_GPU, K_TEMP_MEM,
    K_TEMP_SLOWDOWN, K_TEMP_SHUTDOWN, K_POWER, K_POWER_LIMIT, K_ENERGY, K_CLOCK_SM, K_CLOCK_MEM, K_CLOCK_GRAPHICS,
    K_PSTATE, K_REASONS, K_ECC_SBE_VOL, K_ECC_DBE_VOL, K_ECC_SBE_AGG, K_ECC_DBE_AGG, K_RETIRED_SBE, K_RETIRED_DBE,
    K_RETIRED_PENDING, K_REMAP_CORR, K_REMAP_UNC, K_REMAP_PENDING, K_REMAP_FAILURE, K_PCIE_REPLAY, K_PCIE_GEN,
    K_PCIE_WIDTH, K_PCIE_TX, K_PCIE_RX, K_MIG_CURRENT, K_MIG_PENDING, K_RECOVERY, K_EVENTS_SUPPORTED, K_MINOR,
    K_COUNT
};
static const char *const KEY_NAMES[K_COUNT] = {
    "memory.total", "memory.free", "memory.used", "memory.reserved", "utilization.gpu", "utilization.memory",
    "temperature.gpu", "temperature.memory", "temperature.slowdown", "temperature.shutdown", "power.usage",
    "power.limit", "energy", "clock.sm", "clock.memory", "clock.graphics", "pstate", "clock_event_reasons",
    "ecc.sbe.volatile", "ecc.dbe.volatile", "ecc.sbe.aggregate", "ecc.dbe.aggregate", "retired.sbe",
    "retired.dbe", "retired.pending", "remap.correctable", "remap.uncorrectable", "remap.pending",
    "remap.failure", "pcie.replay", "pcie.gen", "pcie.width", "pcie.tx", "pcie.rx", "mig.current",
    "mig.pending", "recovery_action", "events.supported", "minor"
};

struct link { int active; int remote; /* >= 0 GPU index, -2 NVSwitch, -1 none */ unsigned long long err[5]; };
struct proc { unsigned int pid; unsigned long long used; };

struct fake_device {
    int index;
    char uuid[96], name[96], serial[32];
    unsigned int domain, bus, dev;
    volatile int lost;
    int lost_event_pending;
    unsigned long long v[K_COUNT];
    unsigned long long registered;
    int nlinks; /* links 0..nlinks-1 are supported; link nlinks answers NOT_SUPPORTED */
    struct link links[MAX_LINKS];
    int nprocs;
    struct proc procs[MAX_PROCS];
};

struct rule { char fn[64]; int idx; int rc; };
struct counter { char fn[64]; unsigned long calls; };
struct event { int idx; unsigned long long type, data; };
struct fake_event_set { int live; };

static struct fake_device devices[MAX_DEV];
static int device_count;
static int init_refs;
static int topo[MAX_DEV][MAX_DEV];
static struct rule rules[MAX_RULES];
static int nrules;
static struct counter counters[MAX_RULES];
static int ncounters;
static struct fake_event_set the_set;
static struct event queue[MAX_EVENTS];
static int qhead, qlen;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void fill_device(int i) {
    struct fake_device *d = &devices[i];
    memset(d, 0, sizeof *d);
    d->index = i;
    /* GPU 0 carries the real H100's UUID; the others differ in the last hex digit. */
    snprintf(d->uuid, sizeof d->uuid, "GPU-af424309-ce2b-fbba-fa7e-be68500bd16%x", 0xc + i);
    snprintf(d->name, sizeof d->name, "NVIDIA H100 80GB HBM3");
    snprintf(d->serial, sizeof d->serial, "165322001234%d", i);
    d->domain = 0; d->bus = 0x17 + 0x20 * i; d->dev = 0;
    d->v[K_MEM_TOTAL] = 85520809984ULL;
    d->v[K_MEM_FREE] = 85017493504ULL;
    d->v[K_MEM_USED] = 503316480ULL;      /* v1 view: includes the driver's reservation */
    d->v[K_MEM_RESERVED] = 482344960ULL;  /* v2 splits it out: v2 used = 20971520 */
    d->v[K_UTIL_GPU] = 0; d->v[K_UTIL_MEM] = 0;
    d->v[K_TEMP_GPU] = 36; d->v[K_TEMP_MEM] = 43; d->v[K_TEMP_SLOWDOWN] = 87; d->v[K_TEMP_SHUTDOWN] = 92;
    d->v[K_POWER] = 72402; d->v[K_POWER_LIMIT] = 700000; d->v[K_ENERGY] = 123456789012ULL;
    d->v[K_CLOCK_SM] = 345; d->v[K_CLOCK_MEM] = 2619; d->v[K_CLOCK_GRAPHICS] = 345;
    d->v[K_PSTATE] = 0; d->v[K_REASONS] = 0x1;
    d->v[K_PCIE_GEN] = 5; d->v[K_PCIE_WIDTH] = 16; d->v[K_PCIE_TX] = 2370; d->v[K_PCIE_RX] = 1650;
    d->v[K_EVENTS_SUPPORTED] = 0xff9f;
    d->v[K_MINOR] = (unsigned long long)i;
}

EXPORT void fake_reset(void) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < MAX_DEV; i++) fill_device(i);
    device_count = 1;
    init_refs = 0;
    for (int a = 0; a < MAX_DEV; a++)
        for (int b = 0; b < MAX_DEV; b++) topo[a][b] = a == b ? 0 : 40;
    nrules = 0;
    ncounters = 0;
    qhead = qlen = 0;
    the_set.live = 0;
    pthread_mutex_unlock(&mu);
    /* Page retirement predates Ampere: an H100 answers NOT_SUPPORTED (row remapping replaced it). */
    extern void fake_fail(const char *, int);
    fake_fail("nvmlDeviceGetRetiredPages", NOT_SUPPORTED);
    fake_fail("nvmlDeviceGetRetiredPagesPendingStatus", NOT_SUPPORTED);
}

__attribute__((constructor)) static void on_load(void) { fake_reset(); }

/* ---- control functions ---- */
EXPORT int fake_set_count(int n) {
    if (n < 0 || n > MAX_DEV) return -1;
    device_count = n;
    return 0;
}

EXPORT int fake_set(int idx, const char *key, unsigned long long value) {
    if (idx < 0 || idx >= MAX_DEV) return -1;
    for (int k = 0; k < K_COUNT; k++) {
        if (strcmp(KEY_NAMES[k], key) == 0) { devices[idx].v[k] = value; return 0; }
    }
    return -1;
}

EXPORT int fake_set_string(int idx, const char *what, const char *value) {
    if (idx < 0 || idx >= MAX_DEV) return -1;
    struct fake_device *d = &devices[idx];
    if (strcmp(what, "uuid") == 0) snprintf(d->uuid, sizeof d->uuid, "%s", value);
    else if (strcmp(what, "name") == 0) snprintf(d->name, sizeof d->name, "%s", value);
    else if (strcmp(what, "serial") == 0) snprintf(d->serial, sizeof d->serial, "%s", value);
    else return -1;
    return 0;
}

EXPORT int fake_set_pci(int idx, unsigned int domain, unsigned int bus, unsigned int dev) {
    if (idx < 0 || idx >= MAX_DEV) return -1;
    devices[idx].domain = domain; devices[idx].bus = bus; devices[idx].dev = dev;
    return 0;
}

static void set_rule(const char *fn, int idx, int rc) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nrules; i++) {
        if (rules[i].idx == idx && strcmp(rules[i].fn, fn) == 0) { rules[i].rc = rc; pthread_mutex_unlock(&mu); return; }
    }
    if (nrules < MAX_RULES) {
        snprintf(rules[nrules].fn, sizeof rules[nrules].fn, "%s", fn);
        rules[nrules].idx = idx;
        rules[nrules].rc = rc;
        nrules++;
    }
    pthread_mutex_unlock(&mu);
}

/** Makes every call of {@code fn} (exact symbol name) return rc on all GPUs; rc 0 lifts a scripted failure. */
EXPORT void fake_fail(const char *fn, int rc) { set_rule(fn, -1, rc); }

/** As fake_fail, for one GPU only (takes precedence over the all-GPU rule). */
EXPORT void fake_fail_device(int idx, const char *fn, int rc) { set_rule(fn, idx, rc); }

/** How many times {@code fn} was called since the last reset. */
EXPORT unsigned long fake_calls(const char *fn) {
    unsigned long n = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < ncounters; i++) if (strcmp(counters[i].fn, fn) == 0) n = counters[i].calls;
    pthread_mutex_unlock(&mu);
    return n;
}

EXPORT int fake_lose_gpu(int idx) {
    if (idx < 0 || idx >= MAX_DEV) return -1;
    pthread_mutex_lock(&mu);
    devices[idx].lost = 1;
    devices[idx].lost_event_pending = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return 0;
}

/** The GPU answers again (a real lost GPU needs a reset; the binding must keep treating it as lost). */
EXPORT int fake_revive_gpu(int idx) {
    if (idx < 0 || idx >= MAX_DEV) return -1;
    devices[idx].lost = 0;
    devices[idx].lost_event_pending = 0;
    return 0;
}

EXPORT int fake_push_event(int idx, unsigned long long type, unsigned long long data) {
    if (idx < 0 || idx >= MAX_DEV) return -1;
    pthread_mutex_lock(&mu);
    if (qlen == MAX_EVENTS) { pthread_mutex_unlock(&mu); return -1; }
    queue[(qhead + qlen) % MAX_EVENTS] = (struct event){idx, type, data};
    qlen++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return 0;
}

/** Scripts link {@code link} of GPU idx: active flag and remote end (GPU index, -2 NVSwitch, -1 none). */
EXPORT int fake_set_nvlink(int idx, int link, int active, int remote) {
    if (idx < 0 || idx >= MAX_DEV || link < 0 || link >= MAX_LINKS) return -1;
    struct fake_device *d = &devices[idx];
    d->links[link].active = active;
    d->links[link].remote = remote;
    if (d->nlinks < link + 1) d->nlinks = link + 1;
    return 0;
}

EXPORT int fake_set_nvlink_error(int idx, int link, int counter, unsigned long long value) {
    if (idx < 0 || idx >= MAX_DEV || link < 0 || link >= MAX_LINKS || counter < 0 || counter > 4) return -1;
    devices[idx].links[link].err[counter] = value;
    return 0;
}

EXPORT int fake_set_topology(int a, int b, int level) {
    if (a < 0 || b < 0 || a >= MAX_DEV || b >= MAX_DEV) return -1;
    topo[a][b] = topo[b][a] = level;
    return 0;
}

EXPORT int fake_add_process(int idx, unsigned int pid, unsigned long long used) {
    if (idx < 0 || idx >= MAX_DEV || devices[idx].nprocs == MAX_PROCS) return -1;
    devices[idx].procs[devices[idx].nprocs++] = (struct proc){pid, used};
    return 0;
}

EXPORT unsigned long long fake_registered_events(int idx) {
    return idx >= 0 && idx < MAX_DEV ? devices[idx].registered : 0;
}

EXPORT int fake_init_refs(void) { return init_refs; }

EXPORT int fake_is_old_driver(void) {
#ifdef FAKE_OLD_DRIVER
    return 1;
#else
    return 0;
#endif
}

/* ---- layout checks exported for the Java test ---- */
struct layout { const char *type, *field; unsigned int value; };
#define SZ(T) {#T, NULL, sizeof(T)}
#define OFF(T, F) {#T, #F, offsetof(T, F)}
static const struct layout LAYOUTS[] = {
    SZ(nvmlMemory_t), OFF(nvmlMemory_t, total), OFF(nvmlMemory_t, free), OFF(nvmlMemory_t, used),
    SZ(nvmlMemory_v2_t), OFF(nvmlMemory_v2_t, version), OFF(nvmlMemory_v2_t, total), OFF(nvmlMemory_v2_t, reserved),
    OFF(nvmlMemory_v2_t, free), OFF(nvmlMemory_v2_t, used),
    SZ(nvmlUtilization_t), OFF(nvmlUtilization_t, gpu), OFF(nvmlUtilization_t, memory),
    SZ(nvmlProcessInfo_v1_t), OFF(nvmlProcessInfo_v1_t, pid), OFF(nvmlProcessInfo_v1_t, usedGpuMemory),
    SZ(nvmlProcessInfo_t), OFF(nvmlProcessInfo_t, pid), OFF(nvmlProcessInfo_t, usedGpuMemory),
    OFF(nvmlProcessInfo_t, gpuInstanceId), OFF(nvmlProcessInfo_t, computeInstanceId),
    SZ(nvmlEventData_t), OFF(nvmlEventData_t, device), OFF(nvmlEventData_t, eventType),
    OFF(nvmlEventData_t, eventData), OFF(nvmlEventData_t, gpuInstanceId), OFF(nvmlEventData_t, computeInstanceId),
    SZ(nvmlPciInfo_t), OFF(nvmlPciInfo_t, busIdLegacy), OFF(nvmlPciInfo_t, domain), OFF(nvmlPciInfo_t, bus),
    OFF(nvmlPciInfo_t, device), OFF(nvmlPciInfo_t, pciDeviceId), OFF(nvmlPciInfo_t, pciSubSystemId),
    OFF(nvmlPciInfo_t, busId),
    SZ(nvmlTemperature_t), OFF(nvmlTemperature_t, version), OFF(nvmlTemperature_t, sensorType),
    OFF(nvmlTemperature_t, temperature),
    SZ(nvmlFieldValue_t), OFF(nvmlFieldValue_t, fieldId), OFF(nvmlFieldValue_t, scopeId),
    OFF(nvmlFieldValue_t, timestamp), OFF(nvmlFieldValue_t, latencyUsec), OFF(nvmlFieldValue_t, valueType),
    OFF(nvmlFieldValue_t, nvmlReturn), OFF(nvmlFieldValue_t, value),
};

/** sizeof the named NVML type, or -1 if the fake does not know it. */
EXPORT int fake_sizeof(const char *type) {
    for (size_t i = 0; i < sizeof LAYOUTS / sizeof LAYOUTS[0]; i++)
        if (LAYOUTS[i].field == NULL && strcmp(LAYOUTS[i].type, type) == 0) return (int)LAYOUTS[i].value;
    return -1;
}

/** offsetof(type, field), or -1 if unknown. */
EXPORT int fake_offsetof(const char *type, const char *field) {
    for (size_t i = 0; i < sizeof LAYOUTS / sizeof LAYOUTS[0]; i++)
        if (LAYOUTS[i].field != NULL && strcmp(LAYOUTS[i].type, type) == 0 && strcmp(LAYOUTS[i].field, field) == 0)
            return (int)LAYOUTS[i].value;
    return -1;
}

/* ---- common entry checks ---- */
static void count_call(const char *fn) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < ncounters; i++) {
        if (strcmp(counters[i].fn, fn) == 0) { counters[i].calls++; pthread_mutex_unlock(&mu); return; }
    }
    if (ncounters < MAX_RULES) {
        snprintf(counters[ncounters].fn, sizeof counters[ncounters].fn, "%s", fn);
        counters[ncounters].calls = 1;
        ncounters++;
    }
    pthread_mutex_unlock(&mu);
}

static int scripted_rc(const char *fn, int idx) {
    int rc = 0, found = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nrules; i++) {
        if (strcmp(rules[i].fn, fn) != 0) continue;
        if (rules[i].idx == idx) { rc = rules[i].rc; found = 2; }
        else if (rules[i].idx == -1 && found < 2) { rc = rules[i].rc; found = 1; }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

static int valid(nvmlDevice_t d) {
    return d != NULL && d >= &devices[0] && d < &devices[MAX_DEV] && d->index < device_count;
}

/* Every device call: count it, require init, a valid handle, a live GPU, then any scripted failure. */
static int enter_device(const char *fn, nvmlDevice_t d) {
    count_call(fn);
    if (init_refs <= 0) return UNINITIALIZED;
    if (!valid(d)) return INVALID_ARGUMENT;
    if (d->lost) return GPU_IS_LOST;
    return scripted_rc(fn, d->index);
}

static int enter_system(const char *fn) {
    count_call(fn);
    if (init_refs <= 0) return UNINITIALIZED;
    return scripted_rc(fn, -1);
}

#define ENTER_DEV(d) do { int rc_ = enter_device(__func__, (d)); if (rc_) return rc_; } while (0)
#define ENTER_SYS() do { int rc_ = enter_system(__func__); if (rc_) return rc_; } while (0)
#define NONNULL(p) do { if ((p) == NULL) return INVALID_ARGUMENT; } while (0)

/* ---- init, errors, system ---- */
static int do_init(const char *fn) {
    count_call(fn);
    int rc = scripted_rc(fn, -1);
    if (rc) return rc;
    init_refs++;
    return SUCCESS;
}

EXPORT nvmlReturn_t nvmlInit(void) { return do_init(__func__); }
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlInit_v2(void) { return do_init(__func__); }
#endif

EXPORT nvmlReturn_t nvmlShutdown(void) {
    count_call(__func__);
    if (init_refs <= 0) return UNINITIALIZED;
    init_refs--;
    return SUCCESS;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t rc) {
    switch (rc) {
    case SUCCESS: return "Success";
    case UNINITIALIZED: return "Uninitialized";
    case INVALID_ARGUMENT: return "Invalid Argument";
    case NOT_SUPPORTED: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case NOT_FOUND: return "Not Found";
    case INSUFFICIENT_SIZE: return "Insufficient Size";
    case DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case TIMEOUT: return "Timeout";
    case GPU_IS_LOST: return "GPU is lost";
    case 18: return "RM has detected an NVML/RM version mismatch.";
    default: return "Unknown Error";
    }
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    ENTER_SYS();
    NONNULL(version);
    if (length < 15) return INSUFFICIENT_SIZE;
    snprintf(version, length, "%s", fake_is_old_driver() ? "470.256.02" : "580.159.04");
    return SUCCESS;
}

static int get_count(unsigned int *count) {
    NONNULL(count);
    *count = (unsigned int)device_count;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *count) { ENTER_SYS(); return get_count(count); }
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) { ENTER_SYS(); return get_count(count); }
#endif

static int get_handle(unsigned int index, nvmlDevice_t *device) {
    NONNULL(device);
    if (index >= (unsigned int)device_count) return INVALID_ARGUMENT;
    *device = &devices[index];
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int i, nvmlDevice_t *d) { ENTER_SYS(); return get_handle(i, d); }
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) { ENTER_SYS(); return get_handle(i, d); }
#endif

/* ---- identity ---- */
static int copy_string(const char *src, char *dst, unsigned int length) {
    NONNULL(dst);
    if (strlen(src) + 1 > length) return INSUFFICIENT_SIZE;
    memcpy(dst, src, strlen(src) + 1);
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length) {
    ENTER_DEV(d); return copy_string(d->uuid, uuid, length);
}
EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length) {
    ENTER_DEV(d); return copy_string(d->name, name, length);
}
EXPORT nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t d, char *serial, unsigned int length) {
    ENTER_DEV(d); return copy_string(d->serial, serial, length);
}
EXPORT nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t d, unsigned int *minor) {
    ENTER_DEV(d); NONNULL(minor); *minor = (unsigned int)d->v[K_MINOR]; return SUCCESS;
}

static void fill_pci(const struct fake_device *d, nvmlPciInfo_t *pci, int extended) {
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", d->domain, d->bus, d->dev);
    pci->domain = d->domain; pci->bus = d->bus; pci->device = d->dev;
    pci->pciDeviceId = 0x233010DE; pci->pciSubSystemId = 0x16C110DE;
    if (extended) snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", d->domain, d->bus, d->dev);
}
/* v1 only knew the 16-byte legacy bus id (and a shorter struct): fill nothing past pciSubSystemId. */
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo(nvmlDevice_t d, nvmlPciInfo_t *pci) {
    ENTER_DEV(d); NONNULL(pci); fill_pci(d, pci, 0); return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t d, nvmlPciInfo_t *pci) {
    ENTER_DEV(d); NONNULL(pci); fill_pci(d, pci, 1); return SUCCESS;
}
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *pci) {
    ENTER_DEV(d); NONNULL(pci); fill_pci(d, pci, 1); return SUCCESS;
}
#endif

/* ---- memory, utilization, temperature ---- */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
    ENTER_DEV(d); NONNULL(m);
    m->total = d->v[K_MEM_TOTAL]; m->free = d->v[K_MEM_FREE]; m->used = d->v[K_MEM_USED];
    return SUCCESS;
}
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t *m) {
    ENTER_DEV(d); NONNULL(m);
    if (m->version != (unsigned int)(sizeof(nvmlMemory_v2_t) | 2u << 24)) return ARGUMENT_VERSION_MISMATCH;
    unsigned long long used = d->v[K_MEM_USED], reserved = d->v[K_MEM_RESERVED];
    m->total = d->v[K_MEM_TOTAL]; m->free = d->v[K_MEM_FREE];
    m->reserved = reserved; m->used = used > reserved ? used - reserved : 0;
    return SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    ENTER_DEV(d); NONNULL(u);
    u->gpu = (unsigned int)d->v[K_UTIL_GPU]; u->memory = (unsigned int)d->v[K_UTIL_MEM];
    return SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *temp) {
    ENTER_DEV(d); NONNULL(temp);
    if (sensor != 0) return INVALID_ARGUMENT;
    *temp = (unsigned int)d->v[K_TEMP_GPU];
    return SUCCESS;
}
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetTemperatureV(nvmlDevice_t d, nvmlTemperature_t *t) {
    ENTER_DEV(d); NONNULL(t);
    if (t->version != (unsigned int)(sizeof(nvmlTemperature_t) | 1u << 24)) return ARGUMENT_VERSION_MISMATCH;
    if (t->sensorType != 0) return INVALID_ARGUMENT;
    t->temperature = (int)d->v[K_TEMP_GPU];
    return SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t d, int type, unsigned int *temp) {
    ENTER_DEV(d); NONNULL(temp);
    if (type == 0) *temp = (unsigned int)d->v[K_TEMP_SHUTDOWN];
    else if (type == 1) *temp = (unsigned int)d->v[K_TEMP_SLOWDOWN];
    else return NOT_SUPPORTED;
    return SUCCESS;
}

/* ---- field values ---- */
#define FI_MEMORY_TEMP 82
#define FI_PCIE_REPLAY 94
#define FI_RECOVERY_ACTION 230
EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t d, int count, nvmlFieldValue_t *values) {
    ENTER_DEV(d); NONNULL(values);
    char fn[64];
    for (int i = 0; i < count; i++) {
        nvmlFieldValue_t *f = &values[i];
        f->timestamp = (long long)time(NULL) * 1000000LL;
        f->latencyUsec = 0;
        /* Each value has its own status, scriptable as "field:<id>". */
        snprintf(fn, sizeof fn, "field:%u", f->fieldId);
        int rc = scripted_rc(fn, d->index);
        f->nvmlReturn = rc;
        if (rc) continue;
        switch (f->fieldId) {
        case FI_MEMORY_TEMP: f->valueType = 1; f->value.uiVal = (unsigned int)d->v[K_TEMP_MEM]; break;
        case FI_PCIE_REPLAY: f->valueType = 3; f->value.ullVal = d->v[K_PCIE_REPLAY]; break;
        case FI_RECOVERY_ACTION: f->valueType = 1; f->value.uiVal = (unsigned int)d->v[K_RECOVERY]; break;
        default: f->nvmlReturn = NOT_SUPPORTED; break;
        }
    }
    return SUCCESS;
}

/* ---- power, clocks, performance ---- */
EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) {
    ENTER_DEV(d); NONNULL(mw); *mw = (unsigned int)d->v[K_POWER]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw) {
    ENTER_DEV(d); NONNULL(mw); *mw = (unsigned int)d->v[K_POWER_LIMIT]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *mj) {
    ENTER_DEV(d); NONNULL(mj); *mj = d->v[K_ENERGY]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *mhz) {
    ENTER_DEV(d); NONNULL(mhz);
    switch (type) {
    case 0: *mhz = (unsigned int)d->v[K_CLOCK_GRAPHICS]; break;
    case 1: *mhz = (unsigned int)d->v[K_CLOCK_SM]; break;
    case 2: *mhz = (unsigned int)d->v[K_CLOCK_MEM]; break;
    default: return INVALID_ARGUMENT;
    }
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t d, int *pstate) {
    ENTER_DEV(d); NONNULL(pstate); *pstate = (int)d->v[K_PSTATE]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *r) {
    ENTER_DEV(d); NONNULL(r); *r = d->v[K_REASONS]; return SUCCESS;
}
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *r) {
    ENTER_DEV(d); NONNULL(r); *r = d->v[K_REASONS]; return SUCCESS;
}
#endif

/* ---- ECC, retirement, remapping ---- */
EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int errorType, int counterType,
                                                unsigned long long *count) {
    ENTER_DEV(d); NONNULL(count);
    if (errorType < 0 || errorType > 1 || counterType < 0 || counterType > 1) return INVALID_ARGUMENT;
    static const int keys[2][2] = {{K_ECC_SBE_VOL, K_ECC_SBE_AGG}, {K_ECC_DBE_VOL, K_ECC_DBE_AGG}};
    *count = d->v[keys[errorType][counterType]];
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t d, int cause, unsigned int *pageCount,
                                              unsigned long long *addresses) {
    ENTER_DEV(d); NONNULL(pageCount);
    if (cause < 0 || cause > 1) return INVALID_ARGUMENT;
    unsigned int n = (unsigned int)d->v[cause == 0 ? K_RETIRED_SBE : K_RETIRED_DBE];
    if (*pageCount < n) { *pageCount = n; return INSUFFICIENT_SIZE; }
    for (unsigned int i = 0; i < n && addresses; i++) addresses[i] = 0x1000ULL * (i + 1);
    *pageCount = n;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, int *pending) {
    ENTER_DEV(d); NONNULL(pending); *pending = (int)d->v[K_RETIRED_PENDING]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned int *corr, unsigned int *unc,
                                              unsigned int *pending, unsigned int *failure) {
    ENTER_DEV(d); NONNULL(corr); NONNULL(unc); NONNULL(pending); NONNULL(failure);
    *corr = (unsigned int)d->v[K_REMAP_CORR]; *unc = (unsigned int)d->v[K_REMAP_UNC];
    *pending = (unsigned int)d->v[K_REMAP_PENDING]; *failure = (unsigned int)d->v[K_REMAP_FAILURE];
    return SUCCESS;
}

/* ---- PCIe, MIG ---- */
EXPORT nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t d, unsigned int *value) {
    ENTER_DEV(d); NONNULL(value); *value = (unsigned int)d->v[K_PCIE_REPLAY]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t d, unsigned int *gen) {
    ENTER_DEV(d); NONNULL(gen); *gen = (unsigned int)d->v[K_PCIE_GEN]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t d, unsigned int *width) {
    ENTER_DEV(d); NONNULL(width); *width = (unsigned int)d->v[K_PCIE_WIDTH]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t d, int counter, unsigned int *kbps) {
    ENTER_DEV(d); NONNULL(kbps);
    if (counter == 0) *kbps = (unsigned int)d->v[K_PCIE_TX];
    else if (counter == 1) *kbps = (unsigned int)d->v[K_PCIE_RX];
    else return INVALID_ARGUMENT;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int *current, unsigned int *pending) {
    ENTER_DEV(d); NONNULL(current); NONNULL(pending);
    *current = (unsigned int)d->v[K_MIG_CURRENT]; *pending = (unsigned int)d->v[K_MIG_PENDING];
    return SUCCESS;
}

/* ---- NVLink, topology ---- */
static int link_rc(nvmlDevice_t d, unsigned int link) {
    if (link >= MAX_LINKS) return INVALID_ARGUMENT;
    if ((int)link >= d->nlinks) return NOT_SUPPORTED;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t d, unsigned int link, int *active) {
    ENTER_DEV(d); NONNULL(active);
    int rc = link_rc(d, link); if (rc) return rc;
    *active = d->links[link].active;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkErrorCounter(nvmlDevice_t d, unsigned int link, int counter,
                                                    unsigned long long *value) {
    ENTER_DEV(d); NONNULL(value);
    int rc = link_rc(d, link); if (rc) return rc;
    if (counter < 0 || counter > 4) return INVALID_ARGUMENT;
    *value = d->links[link].err[counter];
    return SUCCESS;
}
static int remote_pci(nvmlDevice_t d, unsigned int link, nvmlPciInfo_t *pci) {
    NONNULL(pci);
    int rc = link_rc(d, link); if (rc) return rc;
    int remote = d->links[link].remote;
    if (remote >= 0 && remote < device_count) { fill_pci(&devices[remote], pci, 1); return SUCCESS; }
    if (remote == -2) {
        struct fake_device sw = {0};
        sw.bus = 0xC1 + (unsigned int)link % 4;
        fill_pci(&sw, pci, 1);
        return SUCCESS;
    }
    return NOT_FOUND;
}
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo(nvmlDevice_t d, unsigned int link, nvmlPciInfo_t *pci) {
    ENTER_DEV(d); return remote_pci(d, link, pci);
}
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t d, unsigned int link, nvmlPciInfo_t *pci) {
    ENTER_DEV(d); return remote_pci(d, link, pci);
}
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkRemoteDeviceType(nvmlDevice_t d, unsigned int link, int *type) {
    ENTER_DEV(d); NONNULL(type);
    int rc = link_rc(d, link); if (rc) return rc;
    int remote = d->links[link].remote;
    if (remote == -1) return NOT_FOUND;
    *type = remote == -2 ? 1 : 0; /* NVML_NVLINK_DEVICE_TYPE_GPU 0, _SWITCH 1 */
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetTopologyCommonAncestor(nvmlDevice_t a, nvmlDevice_t b, int *level) {
    ENTER_DEV(a); NONNULL(level);
    if (!valid(b)) return INVALID_ARGUMENT;
    if (b->lost) return GPU_IS_LOST;
    *level = topo[a->index][b->index];
    return SUCCESS;
}

/* ---- processes ---- */
static int processes(nvmlDevice_t d, unsigned int *count, void *infos, int v1) {
    NONNULL(count);
    unsigned int n = (unsigned int)d->nprocs;
    if (*count < n || (n > 0 && infos == NULL)) { *count = n; return n == 0 ? SUCCESS : INSUFFICIENT_SIZE; }
    for (unsigned int i = 0; i < n; i++) {
        if (v1) {
            nvmlProcessInfo_v1_t *p = (nvmlProcessInfo_v1_t *)infos + i;
            p->pid = d->procs[i].pid; p->usedGpuMemory = d->procs[i].used;
        } else {
            nvmlProcessInfo_t *p = (nvmlProcessInfo_t *)infos + i;
            p->pid = d->procs[i].pid; p->usedGpuMemory = d->procs[i].used;
            p->gpuInstanceId = 0xFFFFFFFFu; p->computeInstanceId = 0xFFFFFFFFu;
        }
    }
    *count = n;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned int *count,
                                                         nvmlProcessInfo_v1_t *infos) {
    ENTER_DEV(d); return processes(d, count, infos, 1);
}
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned int *count,
                                                            nvmlProcessInfo_t *infos) {
    ENTER_DEV(d); return processes(d, count, infos, 0);
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *count,
                                                            nvmlProcessInfo_t *infos) {
    ENTER_DEV(d); return processes(d, count, infos, 0);
}
#endif

/* ---- events ---- */
EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
    ENTER_SYS(); NONNULL(set);
    pthread_mutex_lock(&mu);
    the_set.live = 1;
    for (int i = 0; i < MAX_DEV; i++) devices[i].registered = 0;
    pthread_mutex_unlock(&mu);
    *set = &the_set;
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t d, unsigned long long *types) {
    ENTER_DEV(d); NONNULL(types); *types = d->v[K_EVENTS_SUPPORTED]; return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t d, unsigned long long types, nvmlEventSet_t set) {
    ENTER_DEV(d);
    if (set != &the_set || !the_set.live) return INVALID_ARGUMENT;
    if (types & ~d->v[K_EVENTS_SUPPORTED]) return NOT_SUPPORTED;
    pthread_mutex_lock(&mu);
    d->registered |= types;
    pthread_mutex_unlock(&mu);
    return SUCCESS;
}
EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
    ENTER_SYS();
    if (set != &the_set || !the_set.live) return INVALID_ARGUMENT;
    pthread_mutex_lock(&mu);
    the_set.live = 0;
    for (int i = 0; i < MAX_DEV; i++) devices[i].registered = 0;
    pthread_mutex_unlock(&mu);
    return SUCCESS;
}

/* Blocks up to timeoutms for a registered event; a lost GPU wakes the waiter with GPU_IS_LOST (once). */
static int wait_event(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms, int v1) {
    NONNULL(data);
    if (set != &the_set || !the_set.live) return INVALID_ARGUMENT;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeoutms / 1000;
    deadline.tv_nsec += (long)(timeoutms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&mu);
    for (;;) {
        for (int i = 0; i < device_count; i++) {
            if (devices[i].lost_event_pending) {
                devices[i].lost_event_pending = 0;
                pthread_mutex_unlock(&mu);
                return GPU_IS_LOST;
            }
        }
        while (qlen > 0) {
            struct event e = queue[qhead];
            qhead = (qhead + 1) % MAX_EVENTS;
            qlen--;
            if (e.idx >= device_count || !(devices[e.idx].registered & e.type)) continue;
            pthread_mutex_unlock(&mu);
            if (v1) {
                nvmlEventData_v1_t *d1 = (nvmlEventData_v1_t *)data;
                d1->device = &devices[e.idx]; d1->eventType = e.type; d1->eventData = e.data;
            } else {
                data->device = &devices[e.idx]; data->eventType = e.type; data->eventData = e.data;
                data->gpuInstanceId = 0xFFFFFFFFu; data->computeInstanceId = 0xFFFFFFFFu;
            }
            return SUCCESS;
        }
        if (!the_set.live) { pthread_mutex_unlock(&mu); return UNKNOWN; }
        int w = pthread_cond_timedwait(&cv, &mu, &deadline);
        if (w == ETIMEDOUT) { pthread_mutex_unlock(&mu); return TIMEOUT; }
    }
}
EXPORT nvmlReturn_t nvmlEventSetWait(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    ENTER_SYS(); return wait_event(set, data, timeoutms, 1);
}
#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    ENTER_SYS(); return wait_event(set, data, timeoutms, 0);
}
#endif
