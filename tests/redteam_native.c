/* The student's native code for tests/test_redteam_template.py: built into a shared library that the
   worker imports as an extension module from /tmp (no ctypes, so the audit hook never sees it); its
   PyInit makes raw syscalls and writes what the kernel answered to /tmp/evil_a.out (or _b.out). */
#define _GNU_SOURCE
#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <signal.h>
#include <stddef.h>

static int try(long r) { return r == -1 ? errno : 0; }

void *PyInit_evil(void) {
    int look = access("/tmp/look", F_OK) == 0;
    FILE *out = fopen(look ? "/tmp/evil_b.out" : "/tmp/evil_a.out", "w");
    if (!out) return 0;
    struct sockaddr_un addr; memset(&addr, 0, sizeof addr); addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path + 1, "redteam-template", 16);
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + 17;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (look) {
        fprintf(out, "abstract_connect %d\n", try(connect(s, (struct sockaddr *)&addr, len)));
        fprintf(out, "shmget %d\n", try(shmget(0x52454454, 4096, 0666)));
    } else {
        fprintf(out, "abstract_bind %d\n", try(bind(s, (struct sockaddr *)&addr, len)) || try(listen(s, 1)));
        fprintf(out, "shmget %d\n", try(shmget(0x52454454, 4096, IPC_CREAT | 0666)));
        fprintf(out, "unshare_user %d\n", try(unshare(CLONE_NEWUSER)));
        fprintf(out, "unshare_ns %d\n", try(unshare(CLONE_NEWNS)));
        fprintf(out, "mount %d\n", try(mount("none", "/tmp", "tmpfs", 0, 0)));
        fprintf(out, "umount %d\n", try(umount2("/tmp", MNT_DETACH)));
        fprintf(out, "fork %d\n", try(syscall(SYS_fork)));
        fprintf(out, "clone %d\n", try(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)));
        fprintf(out, "setuid0 %d\n", try(setuid(0)));
        fprintf(out, "chroot %d\n", try(chroot("/")));
        int traced = 0;
        for (int pid = 1; pid < 4096; pid++) if (pid != getpid() && ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) traced++;
        fprintf(out, "ptraced %d\n", traced);
        fprintf(out, "ptrace_errno %d\n", try(ptrace(PTRACE_ATTACH, 1, 0, 0)));
    }
    fclose(out);
    errno = 0;
    return 0;
}
