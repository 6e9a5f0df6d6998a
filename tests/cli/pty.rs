//! A pseudo-terminal for what raftctl draws only on a terminal (the `top` dashboard, bench's
//! progress bar): the child gets the terminal's far side, the test keeps everything it drew
//! and can replay it onto a `Screen` to read what a person would see.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::harness::wait_until;

/// Which of the child's streams go to the terminal.
pub enum Attach {
    /// stdin, stdout and stderr, and it is the child's controlling terminal (/dev/tty), as
    /// for a program started from a shell.
    All,
    /// stderr only (stdin empty, stdout piped to the test), as `cmd 2>/dev/tty | tee`.
    Stderr,
}

/// A child on a pseudo-terminal of a given size.
pub struct Session {
    pub child: Child,
    master: File,
    drawn: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    pub cols: u16,
    pub rows: u16,
}

impl Session {
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16, attach: Attach) -> Session {
        let (mut m, mut s) = (-1, -1);
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: two out-pointers to ints, no name buffer, default termios, a valid winsize.
        let r =
            unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: openpty returned two fresh descriptors nothing else owns.
        let (master, slave) = unsafe { (File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        let tty = || Stdio::from(slave.try_clone().expect("dup pty"));
        cmd.env("NO_COLOR", "1").env("TERM", "xterm-256color");
        match attach {
            Attach::All => {
                cmd.stdin(tty()).stdout(tty()).stderr(tty());
                // SAFETY: only async-signal-safe calls between fork and exec.
                unsafe {
                    cmd.pre_exec(|| {
                        if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        Ok(())
                    });
                }
            }
            Attach::Stderr => {
                cmd.stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(tty());
            }
        }
        let child = cmd.spawn().expect("spawn on a pty");
        // Only the child holds the far side now: reading ends when it exits.
        drop(slave);
        let drawn = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let (mut r, drawn) = (master.try_clone().expect("dup master"), drawn.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    drawn.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        Session {
            child,
            master,
            drawn,
            reader: Some(reader),
            cols,
            rows,
        }
    }

    /// Every byte drawn so far.
    pub fn raw(&self) -> Vec<u8> {
        self.drawn.lock().unwrap().clone()
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> String {
        let mut s = Screen::new(self.cols, self.rows);
        s.feed(&self.raw());
        s.text()
    }

    /// Waits until the screen shows something `f` accepts; returns that screen.
    pub fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_until(what, || {
                last = self.screen();
                f(&last).then(|| last.clone())
            })
        }));
        r.unwrap_or_else(|_| panic!("the screen never showed {what}:\n{last}"))
    }

    /// Types `keys`.
    pub fn send(&mut self, keys: &[u8]) {
        self.master.write_all(keys).expect("write to pty");
    }

    /// Waits for the child to exit (and for everything it drew).
    pub fn wait_exit(&mut self) -> ExitStatus {
        let status = wait_until("the child to exit", || self.child.try_wait().ok().flatten());
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        status
    }

    /// The terminal's line settings as the child left them: (canonical input, echo), both
    /// true unless something left it in raw mode.
    pub fn cooked(&self) -> (bool, bool) {
        // SAFETY: a zeroed termios is a valid out-buffer; the master is an open pty.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::tcgetattr(self.master.as_raw_fd(), &mut t) };
        assert_eq!(r, 0, "tcgetattr: {}", std::io::Error::last_os_error());
        (t.c_lflag & libc::ICANON != 0, t.c_lflag & libc::ECHO != 0)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Enough of a VT100 to replay what crossterm and indicatif write: printable text, CR/LF,
/// cursor moves (CUP, CUU/CUD/CUF/CUB, CHA), erase in line/display; colours and modes ignored.
pub struct Screen {
    cells: Vec<Vec<char>>,
    x: usize,
    y: usize,
}

impl Screen {
    pub fn new(cols: u16, rows: u16) -> Screen {
        Screen {
            cells: vec![vec![' '; cols as usize]; rows as usize],
            x: 0,
            y: 0,
        }
    }

    fn put(&mut self, c: char) {
        let (w, h) = (self.cells[0].len(), self.cells.len());
        if self.x >= w {
            self.x = 0;
            self.y += 1;
        }
        if self.y >= h {
            self.cells.remove(0);
            self.cells.push(vec![' '; w]);
            self.y = h - 1;
        }
        self.cells[self.y][self.x] = c;
        self.x += 1;
    }

    fn csi(&mut self, params: &str, fin: char) {
        let (w, h) = (self.cells[0].len(), self.cells.len());
        let nums: Vec<usize> = params
            .trim_start_matches('?')
            .split(';')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let n = |i: usize, d: usize| nums.get(i).copied().filter(|&v| v != 0).unwrap_or(d);
        match fin {
            'H' | 'f' => {
                self.y = (n(0, 1) - 1).min(h - 1);
                self.x = (n(1, 1) - 1).min(w - 1);
            }
            'A' => self.y = self.y.saturating_sub(n(0, 1)),
            'B' => self.y = (self.y + n(0, 1)).min(h - 1),
            'C' => self.x = (self.x + n(0, 1)).min(w - 1),
            'D' => self.x = self.x.saturating_sub(n(0, 1)),
            'G' => self.x = (n(0, 1) - 1).min(w - 1),
            'K' => {
                let row = &mut self.cells[self.y];
                let x = self.x.min(w);
                match nums.first().copied().unwrap_or(0) {
                    0 => row[x..].iter_mut().for_each(|c| *c = ' '),
                    1 => row[..x].iter_mut().for_each(|c| *c = ' '),
                    _ => row.iter_mut().for_each(|c| *c = ' '),
                }
            }
            'J' if nums.first().copied().unwrap_or(0) >= 2 => {
                self.cells.iter_mut().flatten().for_each(|c| *c = ' ');
            }
            _ => {}
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let s = String::from_utf8_lossy(bytes);
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '\x1b' => match it.next() {
                    Some('[') => {
                        let mut params = String::new();
                        for p in it.by_ref() {
                            if ('\x40'..='\x7e').contains(&p) {
                                self.csi(&params, p);
                                break;
                            }
                            params.push(p);
                        }
                    }
                    Some(']') => {
                        // OSC: up to BEL or ESC \.
                        while let Some(p) = it.next() {
                            if p == '\x07' || (p == '\x1b' && it.next_if_eq(&'\\').is_some()) {
                                break;
                            }
                        }
                    }
                    _ => {}
                },
                '\r' => self.x = 0,
                '\n' => {
                    if self.y + 1 >= self.cells.len() {
                        let w = self.cells[0].len();
                        self.cells.remove(0);
                        self.cells.push(vec![' '; w]);
                    } else {
                        self.y += 1;
                    }
                }
                '\x08' => self.x = self.x.saturating_sub(1),
                c if c < ' ' => {}
                c => self.put(c),
            }
        }
    }

    pub fn text(&self) -> String {
        self.cells
            .iter()
            .map(|r| r.iter().collect::<String>().trim_end().to_string() + "\n")
            .collect()
    }
}

/// `s` without escape sequences.
pub fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if it.next() == Some('[') {
            for p in it.by_ref() {
                if ('\x40'..='\x7e').contains(&p) {
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn the_screen_replays_moves_and_erases() {
    let mut s = Screen::new(10, 3);
    s.feed(b"\x1b[2J\x1b[1;1Hhello\x1b[2;3H\x1b[1mab\x1b[0m\r\nxyz\x1b[1;3H\x1b[K");
    assert_eq!(s.text(), "he\n  ab\nxyz\n");
    assert_eq!(strip("a\x1b[2Kb\x1b[1;2Hc"), "abc");
}
