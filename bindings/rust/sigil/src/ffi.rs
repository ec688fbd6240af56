//! Helpers for passing Rust values to the C ABI.

use std::cell::RefCell;
use std::ffi::{c_char, CStr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// Where a string or JSON document sits in an [`Args`] buffer.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    offset: usize,
    len: usize,
}

/// One call's strings, NUL-terminated, in one reused buffer: a start call
/// copies its fields here (no allocation per field) and takes pointers only
/// once everything is in place, so growing the buffer cannot invalidate them.
pub(crate) struct Args {
    buf: Vec<u8>,
    /// The first field that C cannot receive (a NUL byte inside a string).
    pub(crate) error: Option<Error>,
}

thread_local! {
    static BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

impl Args {
    /// Borrows a buffer from this thread's pool (reentrant: a callback that
    /// starts another recorder gets a different buffer).
    pub(crate) fn new() -> Args {
        let buf = BUFFERS.with(|b| b.borrow_mut().pop()).unwrap_or_else(|| Vec::with_capacity(4096));
        Args { buf, error: None }
    }

    /// A NUL-terminated copy of `s`; `None` (C's NULL) for an empty string,
    /// which the engine treats as unset anyway.
    pub(crate) fn str(&mut self, field: &str, s: &str) -> Option<Slot> {
        if s.is_empty() {
            return None;
        }
        self.always(field, s)
    }

    /// A NUL-terminated copy of `s`, also when it is empty.
    pub(crate) fn always(&mut self, field: &str, s: &str) -> Option<Slot> {
        if s.as_bytes().contains(&0) {
            if self.error.is_none() {
                self.error = Some(Error::InvalidArgument(format!("{field} contains a NUL byte")));
            }
            return None;
        }
        let offset = self.buf.len();
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
        Some(Slot { offset, len: s.len() })
    }

    pub(crate) fn opt(&mut self, field: &str, s: Option<&str>) -> Option<Slot> {
        s.and_then(|s| self.str(field, s))
    }

    /// A document written by `write` (JSON; NUL-terminated for good measure).
    pub(crate) fn json(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Option<Slot> {
        let offset = self.buf.len();
        write(&mut self.buf);
        let len = self.buf.len() - offset;
        self.buf.push(0);
        Some(Slot { offset, len })
    }

    pub(crate) fn ptr(&self, slot: Option<Slot>) -> *const c_char {
        match slot {
            Some(s) => self.buf[s.offset..].as_ptr().cast(),
            None => std::ptr::null(),
        }
    }

    pub(crate) fn len(&self, slot: Option<Slot>) -> usize {
        slot.map_or(0, |s| s.len)
    }
}

impl Drop for Args {
    fn drop(&mut self) {
        let mut buf = std::mem::take(&mut self.buf);
        if buf.capacity() <= 1 << 20 {
            buf.clear();
            BUFFERS.with(|b| b.borrow_mut().push(buf));
        }
    }
}

/// Unix nanoseconds (0 means "now" to the engine, so the epoch itself is sent as 1 ns).
pub(crate) fn unix_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX).max(1),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

pub(crate) fn from_unix_ns(ns: i64) -> Option<SystemTime> {
    match ns {
        0 => None,
        n if n > 0 => Some(UNIX_EPOCH + Duration::from_nanos(n as u64)),
        n => Some(UNIX_EPOCH - Duration::from_nanos(n.unsigned_abs())),
    }
}

/// A duration as the engine's uint32 milliseconds: rounded up (a positive
/// duration never becomes 0) and saturated.
pub(crate) fn millis(d: Duration) -> u32 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    u32::try_from(ms).unwrap_or(u32::MAX)
}

/// A string the engine owns, copied (lossily for invalid UTF-8); "" for NULL.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string.
pub(crate) unsafe fn string(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_keep_every_string_until_the_call() {
        let mut a = Args::new();
        let x = a.str("x", "hello");
        let empty = a.str("e", "");
        let kept = a.always("k", "");
        let big = "y".repeat(10_000);
        let y = a.str("y", &big); // grows the buffer after x was written
        assert!(a.error.is_none());
        unsafe {
            assert_eq!(CStr::from_ptr(a.ptr(x)).to_str().unwrap(), "hello");
            assert_eq!(CStr::from_ptr(a.ptr(y)).to_str().unwrap(), big);
            assert_eq!(CStr::from_ptr(a.ptr(kept)).to_str().unwrap(), "");
        }
        assert!(a.ptr(empty).is_null());
        assert_eq!(a.len(x), 5);
    }

    #[test]
    fn a_nul_byte_is_reported_with_the_field() {
        let mut a = Args::new();
        assert!(a.str("conversation_id", "a\0b").is_none());
        assert_eq!(a.error, Some(Error::InvalidArgument("conversation_id contains a NUL byte".into())));
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(millis(Duration::from_micros(1)), 1);
        assert_eq!(millis(Duration::ZERO), 0);
        assert_eq!(millis(Duration::from_secs(5)), 5000);
        assert_eq!(millis(Duration::from_secs(u64::MAX)), u32::MAX);
        let t = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        assert_eq!(unix_ns(t), 1_700_000_000_123_456_789);
        assert_eq!(from_unix_ns(unix_ns(t)), Some(t));
        assert_eq!(from_unix_ns(0), None);
    }
}
