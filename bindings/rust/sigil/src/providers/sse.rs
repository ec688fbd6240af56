//! A `text/event-stream` parser (the WHATWG server-sent events format) that
//! takes the body in chunks of any size, as an HTTP client delivers it.

/// One server-sent event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseEvent {
    /// The `event:` field ("" when the event named none: a "message").
    pub event: String,
    /// The `data:` lines joined by "\n" (for the provider APIs: one JSON
    /// document, or OpenAI's `[DONE]`). Bytes that are not UTF-8 are
    /// replaced here; the recorder receives them as they arrived.
    pub data: String,
    /// The `id:` field, when the event had one.
    pub id: Option<String>,
    /// The data as it arrived, when it was not UTF-8.
    invalid: Option<Vec<u8>>,
}

impl SseEvent {
    /// An event named `event` (or "") with `data`.
    pub fn new(event: impl Into<String>, data: impl Into<String>) -> SseEvent {
        SseEvent { event: event.into(), data: data.into(), ..Default::default() }
    }

    /// The data's bytes as they arrived (differs from [`data`](Self::data)
    /// only when they were not UTF-8).
    pub fn data_bytes(&self) -> &[u8] {
        self.invalid.as_deref().unwrap_or(self.data.as_bytes())
    }
}

/// Parses server-sent events from a body fed in chunks. Lines end with LF,
/// CR LF or CR (also when the CR and LF arrive in different chunks); a blank
/// line ends an event; comment lines (`:`) and fields other than `event`,
/// `data` and `id` are ignored, and an event with no `data` line is not
/// dispatched, as the format says. An event left without its blank line
/// when the body ends is discarded (see [`pending`](Self::pending)).
#[derive(Debug, Default, Clone)]
pub struct SseParser {
    line: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
    event: String,
    id: Option<String>,
    after_cr: bool,
    started: bool,
}

impl SseParser {
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Parses `chunk`, appending each event it completes to `out`.
    pub fn push(&mut self, mut chunk: &[u8], out: &mut Vec<SseEvent>) {
        if !self.started && !chunk.is_empty() {
            // A byte order mark may open the stream (only there); its bytes
            // may be split across chunks, which providers never do.
            self.started = true;
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        for &b in chunk {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line(&line, out);
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(b);
                }
            }
        }
    }

    /// Whether part of an event (a partial line, or lines without their
    /// closing blank line) is buffered: at the end of a body, a stream that
    /// was cut short.
    pub fn pending(&self) -> bool {
        !self.line.is_empty() || self.has_data
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                let (data, invalid) = match String::from_utf8(std::mem::take(&mut self.data)) {
                    Ok(text) => (text, None),
                    Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(e.into_bytes())),
                };
                out.push(SseEvent { event: std::mem::take(&mut self.event), data, id: self.id.clone(), invalid });
                self.has_data = false;
            }
            self.event.clear();
            return;
        }
        if line[0] == b':' {
            return; // a comment (keep-alive)
        }
        let (field, value) = match line.iter().position(|&c| c == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            b"id" if !value.contains(&0) => self.id = Some(String::from_utf8_lossy(value).into_owned()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_chunks(body: &[u8], size: usize) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for chunk in body.chunks(size) {
            p.push(chunk, &mut out);
        }
        assert!(!p.pending(), "left over");
        out
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent::new(event, data)
    }

    #[test]
    fn any_chunking_and_any_line_ending_give_the_same_events() {
        let body =
            "event: message_start\ndata: {\"a\":1}\n\n: keep-alive\r\n\r\ndata: x\r\ndata:  y\r\rdata: [DONE]\n\n";
        let want = vec![ev("message_start", "{\"a\":1}"), ev("", "x\n y"), ev("", "[DONE]")];
        for size in 1..body.len() {
            assert_eq!(parse_in_chunks(body.as_bytes(), size), want, "chunks of {size}");
        }
    }

    #[test]
    fn the_event_name_does_not_carry_over_and_ids_do() {
        let out = parse_in_chunks(b"\xEF\xBB\xBFid: 7\nevent: a\ndata: 1\n\ndata: 2\n\nevent: b\n\n", 4);
        assert_eq!(out.len(), 2, "an event without data is not dispatched");
        assert_eq!((out[0].event.as_str(), out[0].id.as_deref()), ("a", Some("7")));
        assert_eq!((out[1].event.as_str(), out[1].id.as_deref()), ("", Some("7")));
    }

    #[test]
    fn an_event_cut_short_stays_pending() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        p.push(b"data: {\"partial\"", &mut out);
        assert!(out.is_empty() && p.pending());
        p.push(b":1}\n", &mut out);
        assert!(out.is_empty() && p.pending(), "no blank line yet");
        p.push(b"\n", &mut out);
        assert_eq!(out, vec![ev("", "{\"partial\":1}")]);
        assert!(!p.pending());
    }

    #[test]
    fn data_that_is_not_utf8_is_kept_as_it_arrived() {
        let out = parse_in_chunks(b"data: caf\xE9\n\ndata: ok\n\n", 3);
        assert_eq!(out[0].data, "caf\u{FFFD}");
        assert_eq!(out[0].data_bytes(), b"caf\xE9");
        assert_eq!(out[1].data_bytes(), b"ok");
    }
}
