//! A file descriptor that becomes readable once, when an operation completes, so that an event loop
//! (epoll, kqueue, libuv, Go's netpoller) can wait on it beside its other descriptors. It stays readable:
//! nothing ever reads it empty, so every waiter sees it, and it is closed only when its handle is dropped.

use std::os::fd::RawFd;

pub(crate) struct Signal {
    /// The descriptor to poll (the read end).
    read: RawFd,
    /// The descriptor written on completion: the same eventfd on Linux, a pipe's write end elsewhere.
    write: RawFd,
}

impl Signal {
    /// A new, unsignalled descriptor; `None` when the process is out of descriptors.
    pub fn new() -> Option<Signal> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: plain syscall; the flags keep the descriptor out of children and never block a writer.
            let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
            (fd >= 0).then_some(Signal { read: fd, write: fd })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: `fds` has room for the two descriptors pipe() writes.
            if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
                return None;
            }
            for fd in fds {
                // SAFETY: descriptors we own.
                unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
                unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) };
            }
            Some(Signal { read: fds[0], write: fds[1] })
        }
    }

    pub fn fd(&self) -> RawFd {
        self.read
    }

    /// Makes the descriptor readable (called once).
    pub fn raise(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to a descriptor we own. A full pipe or an eventfd at its
        // maximum is already readable, so a failed write changes nothing.
        unsafe { libc::write(self.write, (&one as *const u64).cast(), 8) };
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        // SAFETY: descriptors we own, closed once.
        unsafe { libc::close(self.read) };
        if self.write != self.read {
            unsafe { libc::close(self.write) };
        }
    }
}
