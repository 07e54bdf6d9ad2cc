//! Any program as an implementation, over the stdio protocol (`docs/protocol.md`).
//!
//! The program is started with `sh -c CMD`. A reader thread turns its stdout into lines on a
//! channel so that every wait has a timeout; another keeps the tail of its stderr for
//! reports. After any fault the process is considered broken and is restarted on the next
//! reset.
//!
//! The program runs in a process group of its own, and a broken or finished one is killed
//! with its whole group: a wrapper script's children (a `sleep`, an interpreter) die with it
//! instead of living on holding its pipes (a child that leaves the group, with `setsid`,
//! escapes). The terminal's Ctrl-C does not reach that group, so a binary that drives
//! implementations calls [`kill_running_implementations`] when it is interrupted (the
//! `snapspec` CLI does). Library users that install no such handler (the fuzz targets, the
//! tests) rely on implementations exiting when their stdin closes, as docs/protocol.md §9
//! asks.

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use snapspec_model::{Config, Request};

use crate::protocol::{FromImpl, ToImpl, LINE_BYTES_MAX, PROTOCOL_VERSION};
use crate::sut::{Found, Manifest, Observed, SutFault, SystemUnderTest};

/// Lines of stderr kept for reports.
const STDERR_LINES_MAX: usize = 20;
/// Characters of a garbage line quoted in reports.
const QUOTE_CHARS_MAX: usize = 200;
/// How long a fault waits for the stderr reader to catch up with what the program wrote
/// before it failed: the last lines usually say why.
const STDERR_DRAIN_MAX: Duration = Duration::from_millis(200);
/// Stderr silent this long counts as drained while the program (or a child holding its
/// stderr) is still running.
const STDERR_QUIET: Duration = Duration::from_millis(25);

/// An implementation behind the stdio protocol.
pub struct StdioSut {
    command: String,
    timeout: Duration,
    process: Option<Process>,
    manifest: Manifest,
    next_id: u64,
}

struct Process {
    child: Child,
    /// The process group the program leads (its pid).
    group: u32,
    stdin: ChildStdin,
    lines: Receiver<Result<String, Unreadable>>,
    stderr: Arc<Mutex<StderrTail>>,
    stderr_reader: JoinHandle<()>,
    /// Tells the reader threads to stop (see [`Stoppable`]).
    readers_stop: Arc<AtomicBool>,
}

impl Drop for Process {
    fn drop(&mut self) {
        self.readers_stop.store(true, Ordering::Relaxed);
        // A group id stays reserved while any member lives, so this reaches the program's
        // children even when `settle` has already reaped the program itself.
        kill_group(self.group);
        // Unregistered before the pid is reaped and free for another job's program.
        running_groups().running.remove(&self.group);
        let _ = self.child.wait();
    }
}

/// The process groups of the implementations running now, and whether the harness is
/// stopping (then no new one starts).
struct Groups {
    running: BTreeSet<u32>,
    stopping: bool,
}

static RUNNING_GROUPS: Mutex<Groups> = Mutex::new(Groups { running: BTreeSet::new(), stopping: false });

fn running_groups() -> std::sync::MutexGuard<'static, Groups> {
    // A panic elsewhere while the set was locked cannot leave it half-updated.
    RUNNING_GROUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Kills every implementation this process started and has not yet stopped, with their
/// children, and refuses to start any more (a fault in a running campaign would otherwise
/// restart one): for an interrupted harness, whose implementations' process groups the
/// terminal's Ctrl-C does not reach. Safe to call from any thread (not from a signal handler).
pub fn kill_running_implementations() {
    let mut groups = running_groups();
    groups.stopping = true;
    for group in &groups.running {
        kill_group(*group);
    }
}

fn kill_group(group: u32) {
    let Ok(group) = i32::try_from(group) else { return };
    // SAFETY: kill(2) with a negative pid sends a signal to a process group; it touches no
    // memory of ours.
    unsafe { libc::kill(-group, libc::SIGKILL) };
}

/// The last lines of the program's stderr.
#[derive(Default)]
struct StderrTail {
    lines: VecDeque<String>,
    /// Lines read so far, to tell when the reader has gone quiet.
    received: u64,
}

impl Process {
    fn lines_received(&self) -> u64 {
        self.stderr.lock().map(|t| t.received).unwrap_or_default()
    }

    /// Waits, at most [`STDERR_DRAIN_MAX`], until the stderr reader has reached EOF or gone
    /// quiet and, if `exiting`, the exit status is known: a fault is reported once, so it
    /// should carry what the program wrote just before.
    fn settle(&mut self, exiting: bool) -> Option<ExitStatus> {
        let started = Instant::now();
        let (mut received, mut quiet_since) = (self.lines_received(), started);
        loop {
            let status = self.child.try_wait().ok().flatten();
            // Once the program has exited its stderr ends too, unless a child of its holds it:
            // wait for the end then, so that its last words are in; otherwise, a quiet stderr
            // will do.
            let quiet = quiet_since.elapsed() >= STDERR_QUIET && !(exiting && status.is_some());
            let drained = self.stderr_reader.is_finished() || quiet;
            if (drained && (status.is_some() || !exiting)) || started.elapsed() >= STDERR_DRAIN_MAX {
                return status;
            }
            thread::sleep(Duration::from_millis(2));
            let now = self.lines_received();
            if now != received {
                (received, quiet_since) = (now, Instant::now());
            }
        }
    }
}

impl StdioSut {
    /// Starts `command` and performs the handshake.
    pub fn spawn(command: &str, timeout: Duration) -> Result<StdioSut, SutFault> {
        let mut sut = StdioSut {
            command: command.to_string(),
            timeout,
            process: None,
            manifest: Manifest::default(),
            next_id: 0,
        };
        sut.start()?;
        Ok(sut)
    }

    fn start(&mut self) -> Result<(), SutFault> {
        self.process = Some(start_process(&self.command)?);
        let id = self.fresh_id();
        match self.exchange(&ToImpl::Hello { id, protocol: PROTOCOL_VERSION })? {
            FromImpl::Hello { protocol, implementation, profiles, capabilities, .. } => {
                if protocol != PROTOCOL_VERSION {
                    return Err(self.broken(SutFault::ProtocolVersion { got: protocol }));
                }
                self.manifest = Manifest { implementation, profiles, capabilities: capabilities.into_iter().collect() };
                Ok(())
            }
            other => Err(self.broken(SutFault::Unexpected { message: format!("{other:?} in answer to hello") })),
        }
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The program's exit status, if it has exited, and the last lines of its stderr, once
    /// the stderr reader has caught up.
    fn last_words(&mut self, exiting: bool) -> (Option<ExitStatus>, String) {
        let Some(process) = self.process.as_mut() else { return (None, String::new()) };
        let status = process.settle(exiting);
        let tail = process.stderr.lock().map(|t| t.lines.iter().cloned().collect::<Vec<_>>().join("\n"));
        (status, tail.unwrap_or_default())
    }

    /// Marks the process broken (it is restarted on the next reset) and returns the fault.
    fn broken(&mut self, fault: SutFault) -> SutFault {
        self.process = None;
        fault
    }

    fn exchange(&mut self, message: &ToImpl) -> Result<FromImpl, SutFault> {
        let mut line = serde_json::to_string(message).expect("protocol messages serialize");
        line.push('\n');
        // The timeout covers the whole exchange: writing the request, then the answer.
        let deadline = Instant::now() + self.timeout;
        if let Some(fault) = self.unsolicited(Found::BeforeRequest) {
            return Err(fault);
        }
        // A program that ended after its previous answer is told apart from one that ends
        // while handling this request, as far as the timing shows it.
        if self.process.as_ref().is_some_and(|process| has_exited(process.child.id())) {
            return Err(self.ended(true, true));
        }
        // One write per message where the pipe has room: it is unbuffered, and a split line
        // costs a wake-up.
        let written = match self.process.as_mut() {
            Some(process) => write_before(&mut process.stdin, line.as_bytes(), deadline),
            None => {
                let stderr_tail = String::new();
                return Err(SutFault::Exited { status: None, signal: None, before_request: true, stderr_tail });
            }
        };
        match written {
            Ok(()) => {}
            Err(WriteFailure::Stalled) => return Err(self.timed_out()),
            Err(WriteFailure::Closed) => return Err(self.ended(true, true)),
        }
        let answer = match self.receive(deadline) {
            Received::Line(answer) => answer,
            Received::Unreadable(Unreadable { start, why }) => return Err(self.garbage(start, why)),
            Received::TimedOut => return Err(self.timed_out()),
            Received::Ended => {
                // A request still whole in the pipe was never read: the program ended after its
                // previous answer, however soon after it the request was written.
                let unread = self.process.as_ref().and_then(|process| unread_bytes(&process.stdin));
                return Err(self.ended(false, unread.is_some_and(|bytes| bytes >= line.len())));
            }
        };
        let parsed: FromImpl = match serde_json::from_str(&answer) {
            Ok(parsed) => parsed,
            Err(error) => return Err(self.garbage(answer, error.to_string())),
        };
        if parsed.id() != message.id() {
            return Err(self.wrong_id_or_stray(message.id(), parsed.id(), &answer, deadline));
        }
        Ok(parsed)
    }

    /// A line already waiting when a request is about to be sent (that request is then not
    /// sent) or after a trace's last answer: nothing asked for it, and it would be taken for the
    /// next request's answer.
    fn unsolicited(&mut self, found: Found) -> Option<SutFault> {
        let queued = self.process.as_ref()?.lines.try_recv().ok()?;
        let (line, unreadable) = match queued {
            Ok(line) => (quote(&line), String::new()),
            Err(Unreadable { start, why }) => (start, why),
        };
        Some(self.broken(SutFault::Unsolicited { line, unreadable, found }))
    }

    /// An answer to another request: a wrong id, or an extra line before this request's
    /// answer (left from the previous answer, or sent for this request), if that answer follows
    /// within [`STRAY_GRACE`].
    fn wrong_id_or_stray(&mut self, expected: u64, got: u64, line: &str, deadline: Instant) -> SutFault {
        let grace = deadline.min(Instant::now() + STRAY_GRACE);
        if let Received::Line(next) = self.receive(grace) {
            if serde_json::from_str::<FromImpl>(&next).is_ok_and(|answer| answer.id() == expected) {
                let (line, unreadable, found) = (quote(line), String::new(), Found::BeforeAnswer);
                return self.broken(SutFault::Unsolicited { line, unreadable, found });
            }
        }
        self.broken(SutFault::WrongId { expected, got })
    }

    /// The next stdout line, waiting until `deadline`. Checks now and then whether the program
    /// has exited: a child it left behind may hold its stdout open, and that must read as an
    /// exit, not a hang.
    fn receive(&mut self, deadline: Instant) -> Received {
        let Some(process) = self.process.as_ref() else { return Received::Ended };
        let received = |wait| match process.lines.recv_timeout(wait) {
            Ok(Ok(line)) => Some(Received::Line(line)),
            Ok(Err(error)) => Some(Received::Unreadable(error)),
            Err(RecvTimeoutError::Disconnected) => Some(Received::Ended),
            Err(RecvTimeoutError::Timeout) => None,
        };
        loop {
            if let Some(outcome) = received(deadline.saturating_duration_since(Instant::now()).min(EXIT_POLL)) {
                return outcome;
            }
            if Instant::now() >= deadline {
                return Received::TimedOut;
            }
            if has_exited(process.child.id()) {
                // What it wrote just before exiting may still be on its way.
                return received(EXIT_POLL).unwrap_or(Received::Ended);
            }
        }
    }

    fn timed_out(&mut self) -> SutFault {
        let (_, stderr_tail) = self.last_words(false);
        self.broken(SutFault::Timeout { waited_ms: self.timeout.as_millis() as u64, stderr_tail })
    }

    fn garbage(&mut self, line: String, error: String) -> SutFault {
        let (_, stderr_tail) = self.last_words(false);
        self.broken(SutFault::Garbage { line: quote(&line), error, stderr_tail })
    }

    /// The program stopped listening: writing the request failed (`writing`), or its stdout
    /// ended. It exited (without reading the request, if `unread`), or lives on with that pipe
    /// closed.
    fn ended(&mut self, writing: bool, unread: bool) -> SutFault {
        use std::os::unix::process::ExitStatusExt as _;
        let (status, stderr_tail) = self.last_words(true);
        let fault = match status {
            // A program killed by a signal has no exit code: the signal says what happened.
            Some(status) => {
                SutFault::Exited { status: status.code(), signal: status.signal(), before_request: unread, stderr_tail }
            }
            None if writing => SutFault::InputClosed { stderr_tail },
            None => SutFault::Exited { status: None, signal: None, before_request: false, stderr_tail },
        };
        self.broken(fault)
    }
}

/// The start of a line the program sent, for a report.
fn quote(line: &str) -> String {
    line.chars().take(QUOTE_CHARS_MAX).collect()
}

/// Bytes written to the program's stdin that it has not read yet, if the pipe says.
fn unread_bytes(stdin: &ChildStdin) -> Option<usize> {
    use std::os::fd::AsRawFd as _;
    let mut unread: libc::c_int = 0;
    // SAFETY: ioctl(2) FIONREAD writes one int, into `unread`, which outlives the call.
    let asked = unsafe { libc::ioctl(stdin.as_raw_fd(), libc::FIONREAD, &mut unread) };
    (asked == 0).then(|| usize::try_from(unread).ok()).flatten()
}

/// Whether process `pid` (our child) has exited, without reaping it: a reaped pid, and so its
/// process group's id, could be reused while the group is still registered for killing.
fn has_exited(pid: u32) -> bool {
    // SAFETY: waitid(2) writes only into the zeroed siginfo it is given; WNOWAIT leaves the
    // child waitable, WNOHANG returns at once.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let found =
            libc::waitid(libc::P_PID, libc::id_t::from(pid), &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT);
        found == 0 && info.si_pid() != 0
    }
}

fn start_process(command: &str) -> Result<Process, SutFault> {
    use std::os::unix::process::CommandExt as _;
    // Registered while the lock is held, so an interruption cannot miss a group just started.
    let mut groups = running_groups();
    if groups.stopping {
        return Err(SutFault::Spawn { message: format!("{command}: not started, the harness is stopping") });
    }
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SutFault::Spawn { message: format!("{command}: {e}") })?;
    let group = child.id();
    groups.running.insert(group);
    drop(groups);
    let stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let readers_stop = Arc::new(AtomicBool::new(false));
    let (stdout, stderr) = (Stoppable::new(stdout, &readers_stop), Stoppable::new(stderr, &readers_stop));
    let (sender, lines) = mpsc::sync_channel(LINES_QUEUED_MAX);
    thread::spawn(move || read_lines(stdout, sender));
    let tail = Arc::new(Mutex::new(StderrTail::default()));
    let tail_writer = Arc::clone(&tail);
    let stderr_reader = thread::spawn(move || keep_tail(stderr, tail_writer));
    let process = Process { child, group, stdin, lines, stderr: tail, stderr_reader, readers_stop };
    // Dropping the process on failure kills it.
    set_nonblocking(&process.stdin)
        .map_err(|e| SutFault::Spawn { message: format!("{command}: cannot make its stdin non-blocking: {e}") })?;
    Ok(process)
}

/// Makes writes to the program's stdin return at once when the pipe is full, so that
/// [`write_before`] can give up. The flag belongs to our end of the pipe only: the program's
/// reads are unaffected.
fn set_nonblocking(stdin: &ChildStdin) -> std::io::Result<()> {
    use std::os::fd::AsRawFd as _;
    let fd = stdin.as_raw_fd();
    // SAFETY: fcntl(2) reading and setting the status flags of a descriptor we own; it
    // touches no memory of ours.
    let set = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) >= 0
    };
    if set {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Why a request could not be written.
#[derive(Debug, PartialEq)]
enum WriteFailure {
    /// The program closed its stdin (or exited).
    Closed,
    /// The pipe stayed full until the deadline: the program stopped reading.
    Stalled,
}

/// Writes all of `bytes` to the program's (non-blocking) stdin, waiting for room in the pipe
/// until `deadline`. A pipe holds 64 KiB and a request can be megabytes long (a vector's
/// chunk upload): with a blocking write, a program that stops reading would stall the harness
/// past every timeout.
fn write_before(stdin: &mut ChildStdin, mut bytes: &[u8], deadline: Instant) -> Result<(), WriteFailure> {
    while !bytes.is_empty() {
        match stdin.write(bytes) {
            Ok(0) => return Err(WriteFailure::Closed),
            Ok(written) => bytes = &bytes[written..],
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(WriteFailure::Stalled);
                }
                wait_writable(stdin, left);
            }
            Err(_) => return Err(WriteFailure::Closed),
        }
    }
    Ok(())
}

/// Waits until the pipe has room or breaks, at most `limit` (the caller tries again either way).
fn wait_writable(stdin: &ChildStdin, limit: Duration) {
    use std::os::fd::AsRawFd as _;
    wait_for(stdin.as_raw_fd(), libc::POLLOUT, limit);
}

/// Waits at most `limit` for `events` on `fd`; whether any (or a hang-up or error) came.
fn wait_for(fd: std::os::fd::RawFd, events: libc::c_short, limit: Duration) -> bool {
    let mut poll_fd = libc::pollfd { fd, events, revents: 0 };
    let limit_ms = i32::try_from(limit.as_millis().max(1)).unwrap_or(i32::MAX);
    // SAFETY: poll(2) on one valid pollfd that lives for the duration of the call.
    let ready = unsafe { libc::poll(&mut poll_fd, 1, limit_ms) };
    // An error other than an interruption is left for the read or write to report.
    ready > 0 || (ready < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted)
}

/// The program's stdout or stderr, read by a thread of its own until EOF, or until the
/// process is dropped: a child the program left in a session of its own can hold the pipe
/// open long after the program is gone, and the thread would wait on it as long.
struct Stoppable<R> {
    pipe: R,
    stop: Arc<AtomicBool>,
}

impl<R> Stoppable<R> {
    fn new(pipe: R, stop: &Arc<AtomicBool>) -> Stoppable<R> {
        Stoppable { pipe, stop: Arc::clone(stop) }
    }
}

impl<R: Read + std::os::fd::AsRawFd> Read for Stoppable<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(0);
            }
            // Readable, ended or broken: the read cannot block.
            if wait_for(self.pipe.as_raw_fd(), libc::POLLIN, READER_STOP_POLL) {
                return self.pipe.read(buffer);
            }
        }
    }
}

/// How long an answer to another request waits for the pending request's own (see
/// [`StdioSut::wrong_id_or_stray`]).
const STRAY_GRACE: Duration = Duration::from_millis(100);

/// How soon a reader thread notices that its process was dropped.
const READER_STOP_POLL: Duration = Duration::from_millis(100);

/// A stdout line that is not a line of the protocol: its start, for the report, and why.
#[derive(Debug, PartialEq)]
struct Unreadable {
    start: String,
    why: String,
}

impl Unreadable {
    fn of(line: &[u8], why: String) -> Unreadable {
        // Only the quoted start is decoded: the line may be megabytes long.
        let start = &line[..line.len().min(4 * QUOTE_CHARS_MAX)];
        Unreadable { start: quote(String::from_utf8_lossy(start).trim_end()), why }
    }
}

/// What waiting for a line gave.
enum Received {
    Line(String),
    /// The line is not a line of the protocol.
    Unreadable(Unreadable),
    TimedOut,
    /// Stdout ended, or the program exited.
    Ended,
}

/// How often a wait for an answer checks whether the program has exited.
const EXIT_POLL: Duration = Duration::from_millis(50);

/// Stdout lines read ahead of the harness. Bounded, so that a program that writes while no
/// request is pending blocks on its pipe instead of filling the harness's memory; the lines
/// waiting are reported as unsolicited before the next request.
const LINES_QUEUED_MAX: usize = 2;

/// Sends each stdout line (or why it is unreadable) until EOF.
fn read_lines(stdout: impl Read, sender: mpsc::SyncSender<Result<String, Unreadable>>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut buffer = Vec::new();
        // The limit excludes the terminator, `\n` or `\r\n` (docs/protocol.md §2).
        let read = (&mut reader).take(LINE_BYTES_MAX as u64 + 2).read_until(b'\n', &mut buffer);
        let message = match read {
            Ok(0) | Err(_) => return,
            Ok(_) if line_content(&buffer).len() > LINE_BYTES_MAX => {
                Err(Unreadable::of(&buffer, format!("line longer than {LINE_BYTES_MAX} bytes")))
            }
            // Only the end of the output stops a read short of the limit without a newline.
            Ok(_) if !buffer.ends_with(b"\n") => {
                Err(Unreadable::of(&buffer, "the output ended in the middle of a line (no \\n)".to_string()))
            }
            Ok(_) => String::from_utf8(buffer)
                .map(|line| line.trim_end().to_string())
                .map_err(|error| Unreadable::of(error.as_bytes(), "line is not UTF-8".to_string())),
        };
        let stop = message.is_err();
        if sender.send(message).is_err() || stop {
            return;
        }
    }
}

/// A line without its terminator (`\n` or `\r\n`), if it has one.
fn line_content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Keeps the last lines of the program's stderr, each cut to a quote's length. Reads to EOF
/// whatever arrives: a reader that stopped (at bytes that are not UTF-8, say) would leave the
/// program blocked on a full pipe, or killed by SIGPIPE, and the report would blame that.
fn keep_tail(stderr: impl Read, tail: Arc<Mutex<StderrTail>>) {
    let mut reader = BufReader::new(stderr);
    let mut kept = Vec::new();
    loop {
        kept.clear();
        match read_line_keeping(&mut reader, &mut kept, STDERR_LINE_KEPT_BYTES) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&kept);
        let Ok(mut tail) = tail.lock() else { return };
        tail.lines.push_back(line.trim_end_matches(['\n', '\r']).chars().take(QUOTE_CHARS_MAX).collect());
        tail.received += 1;
        if tail.lines.len() > STDERR_LINES_MAX {
            tail.lines.pop_front();
        }
    }
}

/// Bytes of a stderr line kept: enough for [`QUOTE_CHARS_MAX`] characters of UTF-8.
const STDERR_LINE_KEPT_BYTES: usize = 4 * QUOTE_CHARS_MAX;

/// Reads one line, through its newline or to EOF, keeping at most `kept_bytes_max` of it in
/// `kept` and dropping the rest as it arrives: a line without end costs no memory. Returns the
/// bytes read (0 at EOF).
fn read_line_keeping(reader: &mut impl BufRead, kept: &mut Vec<u8>, kept_bytes_max: usize) -> std::io::Result<usize> {
    let mut read = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(read);
        }
        let (chunk, ends_line) = match available.iter().position(|&byte| byte == b'\n') {
            Some(newline) => (&available[..=newline], true),
            None => (available, false),
        };
        let room = kept_bytes_max.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let consumed = chunk.len();
        reader.consume(consumed);
        read += consumed;
        if ends_line {
            return Ok(read);
        }
    }
}

impl SystemUnderTest for StdioSut {
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn reset(&mut self, config: &Config) -> Result<(), SutFault> {
        if self.process.is_none() {
            self.start()?;
        }
        let id = self.fresh_id();
        match self.exchange(&ToImpl::Reset { id, config: config.clone() })? {
            FromImpl::Ok { .. } => Ok(()),
            FromImpl::Error { message, .. } => Err(SutFault::Declined { message }),
            other => Err(self.broken(SutFault::Unexpected { message: format!("{other:?} in answer to reset") })),
        }
    }

    fn call(&mut self, request: &Request) -> Result<Observed, SutFault> {
        let id = self.fresh_id();
        match self.exchange(&ToImpl::call(id, request))? {
            FromImpl::Reply { reply, .. } => Ok(Observed::Reply { reply }),
            FromImpl::Reject { code, reject_code, message, .. } => {
                Ok(Observed::Reject { code, reject_code, message: message.into() })
            }
            FromImpl::Error { message, .. } => Err(SutFault::Declined { message }),
            other => Err(self.broken(SutFault::Unexpected { message: format!("{other:?} in answer to a call") })),
        }
    }

    fn is_cheap(&self) -> bool {
        true
    }

    /// Only what has already arrived: waiting would cost every trace. A line that comes later
    /// is found at the next reset, and reported there.
    fn finish_trace(&mut self) -> Result<(), SutFault> {
        self.unsolicited(Found::AtEnd).map_or(Ok(()), Err)
    }
}

impl Drop for StdioSut {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let id = self.next_id + 1;
            let line = serde_json::to_string(&ToImpl::Bye { id }).expect("serializes") + "\n";
            // One attempt, never a wait: the process is killed next anyway.
            let _ = write_before(&mut process.stdin, line.as_bytes(), Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads every line of `input` through [`read_line_keeping`], keeping at most 4 bytes.
    fn lines_kept(input: &[u8]) -> Vec<(usize, Vec<u8>)> {
        let mut reader = BufReader::with_capacity(3, input);
        let mut lines = Vec::new();
        loop {
            let mut kept = Vec::new();
            match read_line_keeping(&mut reader, &mut kept, 4).expect("reads") {
                0 => return lines,
                read => lines.push((read, kept)),
            }
        }
    }

    #[test]
    fn a_line_is_kept_up_to_the_limit_and_read_to_its_end() {
        // Buffers of 3 bytes: lines and the limit straddle refills.
        let lines = lines_kept(b"ab\nabcdefgh\n\nxyz");
        let expected: Vec<(usize, &[u8])> = vec![(3, b"ab\n"), (9, b"abcd"), (1, b"\n"), (3, b"xyz")];
        assert_eq!(lines.iter().map(|(read, kept)| (*read, kept.as_slice())).collect::<Vec<_>>(), expected);
    }

    /// What [`read_lines`] makes of `input`.
    fn lines_sent(input: Vec<u8>) -> Vec<Result<usize, Unreadable>> {
        let (sender, receiver) = mpsc::sync_channel(16);
        read_lines(std::io::Cursor::new(input), sender);
        receiver.into_iter().map(|line| line.map(|line| line.len())).collect()
    }

    /// The limit is on the line without its terminator (docs/protocol.md §2).
    #[test]
    fn the_line_limit_excludes_the_terminator() {
        for terminator in [&b"\n"[..], b"\r\n"] {
            let mut at_limit = vec![b'x'; LINE_BYTES_MAX];
            at_limit.extend(terminator);
            at_limit.extend(b"next\n");
            assert_eq!(lines_sent(at_limit), [Ok(LINE_BYTES_MAX), Ok(4)]);
            let mut over = vec![b'x'; LINE_BYTES_MAX + 1];
            over.extend(terminator);
            let sent = lines_sent(over);
            assert!(matches!(&sent[..], [Err(line)] if line.why.contains("longer than")), "{sent:?}");
            let [Err(line)] = &sent[..] else { unreachable!() };
            assert_eq!(line.start, "x".repeat(QUOTE_CHARS_MAX), "the report quotes the line's start");
        }
    }

    /// A message must end with its newline: output that ends mid-line is not an answer, even
    /// when the bytes before the end are one.
    #[test]
    fn a_line_cut_by_the_end_of_output_is_unreadable() {
        let sent = lines_sent(b"{\"type\":\"ok\",\"id\":1}\n{\"type\":\"ok\",\"id\":2}".to_vec());
        assert!(
            matches!(&sent[..], [Ok(20), Err(line)]
                if line.why.contains("middle of a line") && line.start == r#"{"type":"ok","id":2}"#),
            "{sent:?}"
        );
    }

    /// Bytes that are not UTF-8 are quoted as far as they can be read.
    #[test]
    fn a_line_that_is_not_utf8_is_quoted_lossily() {
        let sent = lines_sent(b"{\"id\":\xff}\r\n".to_vec());
        assert!(
            matches!(&sent[..], [Err(line)] if line.why == "line is not UTF-8" && line.start == "{\"id\":\u{fffd}}"),
            "{sent:?}"
        );
    }

    #[test]
    fn a_write_to_a_full_pipe_gives_up_at_the_deadline() {
        let mut child = Command::new("sleep").arg("5").stdin(Stdio::piped()).spawn().expect("sleep starts");
        let mut stdin = child.stdin.take().expect("piped");
        set_nonblocking(&stdin).expect("non-blocking");
        let started = Instant::now();
        let outcome = write_before(&mut stdin, &vec![b'x'; 1 << 20], started + Duration::from_millis(100));
        assert_eq!(outcome, Err(WriteFailure::Stalled));
        assert!(started.elapsed() >= Duration::from_millis(100), "it waited for room until the deadline");
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(write_before(&mut stdin, b"x", Instant::now()), Err(WriteFailure::Closed), "the reader is gone");
    }
}
