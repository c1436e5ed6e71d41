// TEST-ONLY: the part of FreeBSD's <sys/event.h> that core/kqueue_poller.cpp uses, emulated on
// Linux over epoll (kqueue_emulation.cpp) so the kqueue poller can run in CI. It is put ahead
// of the system's headers for the core_kqueue_test program only; nelson itself never sees it.
//
// Only the filters and flags the emulation implements are declared, so code that starts using
// another one (EV_CLEAR, EV_RECEIPT, EVFILT_TIMER...) fails to compile here instead of being
// tested against behaviour nobody emulated. Values and layout are FreeBSD's.
#pragma once
// A system header, as the real one: struct kevent and function kevent() share a name, which
// -Wshadow flags in user code.
#pragma GCC system_header

#include <stdint.h>
#include <time.h>

#define NELSON_KQUEUE_EMULATION 1

struct kevent {
  uintptr_t ident;       // the descriptor
  short filter;          // EVFILT_*
  unsigned short flags;  // EV_*
  unsigned int fflags;   // filter-specific flags (always 0 here)
  int64_t data;          // EVFILT_READ: bytes readable; EV_ERROR: the errno
  void* udata;           // returned as given
  uint64_t ext[4];
};

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)

// Actions (input).
#define EV_ADD 0x0001      // add (enabled unless EV_DISABLE), or set udata if present
#define EV_DELETE 0x0002   // delete it (ENOENT when absent)
#define EV_ENABLE 0x0004   // report its events again
#define EV_DISABLE 0x0008  // keep it but report nothing
#define EV_ONESHOT 0x0010  // delete it once its event is returned
// Returned flags (output).
#define EV_ERROR 0x4000  // a change failed: data holds the errno
#define EV_EOF 0x8000    // the filter saw end of file (peer hang-up)

#define EV_SET(kevp_, a, b, c, d, e, f) \
  do {                                  \
    struct kevent* kevp = (kevp_);      \
    kevp->ident = (a);                  \
    kevp->filter = (b);                 \
    kevp->flags = (c);                  \
    kevp->fflags = (d);                 \
    kevp->data = (e);                   \
    kevp->udata = (f);                  \
    kevp->ext[0] = 0;                   \
    kevp->ext[1] = 0;                   \
    kevp->ext[2] = 0;                   \
    kevp->ext[3] = 0;                   \
  } while (0)

#ifdef __cplusplus
extern "C" {
#endif

int kqueue(void);
int kevent(int kq, const struct kevent* changelist, int nchanges, struct kevent* eventlist, int nevents,
           const struct timespec* timeout);

#ifdef __cplusplus
}
#endif
