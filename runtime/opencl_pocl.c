/* What chord settles for PoCL before the OpenCL platform starts: a kernel cache directory PoCL can use.
 *
 * PoCL (3.1) keeps compiled kernels under $POCL_CACHE_DIR, else $XDG_CACHE_HOME/pocl, else $HOME/.cache/pocl. With
 * POCL_CACHE_DIR set but empty it aborts the process (an assertion in pocl_cache_init_topdir); with a directory it
 * cannot create or write, its device quietly disappears. Before the first OpenCL call, chord checks the directory
 * PoCL would use and, when it is empty or unusable, points POCL_CACHE_DIR at one that works
 * ($XDG_CACHE_HOME/chord/pocl, ~/.cache/chord/pocl, or a fresh one under $TMPDIR or /tmp), saying so on stderr.
 * The variable is PoCL's alone: other OpenCL platforms ignore it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/opencl_launch.h"

/* Creates path and its parents as needed (mode 0700); 0 on success, else errno. */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return ENOMEM;
    int err = 0;
    for (char *s = p + 1; !err; s++) {
        const char c = *s;
        if (c != '/' && c != 0)
            continue;
        *s = 0;
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            err = errno;
        *s = c;
        if (c == 0)
            break;
    }
    free(p);
    return err;
}

/* Whether a directory at path exists or can be made, and takes a new file (what PoCL does with it); 0 or errno. */
static int dir_usable(const char *path)
{
    if (!path || !*path)
        return ENOENT;
    int err = make_dirs(path);
    if (err)
        return err;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (!S_ISDIR(st.st_mode))
        return ENOTDIR;
    char *probe = malloc(strlen(path) + 32);
    if (!probe)
        return ENOMEM;
    sprintf(probe, "%s/.chord-probe-XXXXXX", path);
    const int fd = mkstemp(probe);
    err = fd < 0 ? errno : 0;
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    free(probe);
    return err;
}

/* dir + suffix in a new string (NULL when dir is unset or empty, or out of memory). */
static char *join(const char *dir, const char *suffix)
{
    if (!dir || !*dir)
        return NULL;
    char *s = malloc(strlen(dir) + strlen(suffix) + 1);
    if (s)
        sprintf(s, "%s%s", dir, suffix);
    return s;
}

static void settle_cache_dir(void)
{
    const char *set = getenv("POCL_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char *pocl_default = set ? NULL : xdg && *xdg ? join(xdg, "/pocl") : join(home, "/.cache/pocl");
    const char *wanted = set ? set : pocl_default;
    const int err = dir_usable(wanted);
    if (!err) {
        free(pocl_default);
        return;
    }
    char *candidates[2] = {join(xdg, "/chord/pocl"), join(home, "/.cache/chord/pocl")}, *fresh = NULL;
    const char *chosen = NULL;
    for (int i = 0; i < 2 && !chosen; i++)
        if (candidates[i] && dir_usable(candidates[i]) == 0)
            chosen = candidates[i];
    if (!chosen) { /* a new directory each run: the cache is lost, the run is not */
        const char *tmp = getenv("TMPDIR");
        fresh = join(tmp && *tmp ? tmp : "/tmp", "/chord-pocl-XXXXXX");
        if (fresh && mkdtemp(fresh) && dir_usable(fresh) == 0)
            chosen = fresh;
    }
    if (set && !*set)
        fprintf(stderr, "opencl: POCL_CACHE_DIR is set but empty");
    else
        fprintf(stderr, "opencl: %s%s is not usable (%s)", set ? "POCL_CACHE_DIR=" : "PoCL's cache directory ",
                wanted ? wanted : "(no $HOME)", strerror(err));
    if (chosen) {
        setenv("POCL_CACHE_DIR", chosen, 1);
        fprintf(stderr, ": PoCL's kernel cache goes to %s\n", chosen);
    } else {
        /* nothing writable: PoCL's own default makes its device absent, where an empty variable would abort */
        unsetenv("POCL_CACHE_DIR");
        fprintf(stderr, ", and no other directory is writable\n");
    }
    free(candidates[0]);
    free(candidates[1]);
    free(fresh);
    free(pocl_default);
}

void chord_cl_prepare_env(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, settle_cache_dir);
}
