package simulator

import (
	"bytes"
	"context"
	"io"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// ttyPrompt is the interactive shell's prompt, root's in sh.
const ttyPrompt = "# "

// maxTTYQueue bounds typed-ahead input nobody reads, as a tty's buffer does.
const maxTTYQueue = 1024

// ttyInput is one event of the terminal's input queue: a line (with its
// newline, or without when ^D flushed it), an end of file (^D on an empty
// line), or an interrupt (^C) for a prompt.
type ttyInput struct {
	data string
	eof  bool
	intr bool
}

// tty is a session's pseudo-terminal in canonical mode with echo, as a
// login shell's terminal is: it echoes what the client types, edits the
// line (backspace, ^U), and turns Enter into a line, ^D into an end of file
// and ^C into an interrupt of the foreground command, or of the prompt.
type tty struct {
	out io.Writer // raw: the echo writes its own CR LF

	mu      sync.Mutex
	queue   []ttyInput    // typed and not yet read, in order
	closed  bool          // the client's input ended
	changed chan struct{} // closed and replaced whenever queue or closed change
	fg      []func()      // who gets ^C, innermost last: a command's cancel, or nil for a prompt
}

func newTTY(out io.Writer) *tty {
	return &tty{out: out, changed: make(chan struct{})}
}

// notify wakes every reader; the lock is held.
func (t *tty) notify() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// put queues an event typed by the client.
func (t *tty) put(in ttyInput) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.queue) < maxTTYQueue {
		t.queue = append(t.queue, in)
	}
	t.notify()
}

// interrupt is ^C: the input queue is flushed, as a tty does, and the
// innermost foreground is told: a running command is cancelled, a prompt
// reads an interrupt.
func (t *tty) interrupt() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.queue = nil
	if n := len(t.fg); n > 0 && t.fg[n-1] != nil {
		t.fg[n-1]()
		return
	}
	t.queue = append(t.queue, ttyInput{intr: true})
	t.notify()
}

// take waits for the next event. When it is a line and stop is set, stop
// becomes the foreground in the same step, so a ^C typed right after the
// line reaches the command the line starts.
func (t *tty) take(ctx context.Context, stop func()) (ttyInput, bool) {
	for {
		t.mu.Lock()
		if len(t.queue) > 0 {
			in := t.queue[0]
			t.queue = t.queue[1:]
			if stop != nil && !in.eof && !in.intr {
				t.fg = append(t.fg, stop)
			}
			t.mu.Unlock()
			return in, true
		}
		closed, changed := t.closed, t.changed
		t.mu.Unlock()
		if closed {
			return ttyInput{}, false
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ttyInput{}, false
		}
	}
}

func (t *tty) push(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fg = append(t.fg, f)
}

func (t *tty) pop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fg = t.fg[:len(t.fg)-1]
}

// feed runs the line discipline over the client's input until it ends.
func (t *tty) feed(in io.Reader) {
	defer func() {
		t.mu.Lock()
		t.closed = true
		t.notify()
		t.mu.Unlock()
	}()
	var line, echo []byte
	esc := 0 // 1 after ESC, 2 inside a CSI or SS3 sequence: keys the line editor ignores
	prevCR := false
	flush := func() {
		if len(echo) > 0 {
			_, _ = t.out.Write(echo)
			echo = echo[:0]
		}
	}
	emit := func(in ttyInput) {
		flush() // the echo comes before anything the line makes the program print
		t.put(in)
		line = nil
	}
	buf := make([]byte, 1024)
	for {
		n, err := in.Read(buf)
		for _, b := range buf[:n] {
			cr := b == '\r'
			switch {
			case esc == 1:
				esc = 0
				if b == '[' || b == 'O' {
					esc = 2
				}
			case esc == 2:
				if b >= 0x40 && b <= 0x7e {
					esc = 0
				}
			case b == '\n' && prevCR: // CR LF from a client that sends both
			case b == '\r' || b == '\n':
				echo = append(echo, '\r', '\n')
				emit(ttyInput{data: string(line) + "\n"})
			case b == 0x7f || b == 0x08:
				if len(line) > 0 {
					_, size := utf8.DecodeLastRune(line)
					line = line[:len(line)-size]
					echo = append(echo, "\b \b"...)
				}
			case b == 0x15: // ^U
				echo = append(echo, bytes.Repeat([]byte("\b \b"), utf8.RuneCount(line))...)
				line = nil
			case b == 0x03: // ^C
				echo = append(echo, "^C\r\n"...)
				line = nil
				flush()
				t.interrupt()
			case b == 0x04: // ^D
				emit(ttyInput{data: string(line), eof: len(line) == 0})
			case b == 0x1b:
				esc = 1
			case b == '\t' || b >= 0x20:
				line = append(line, b)
				echo = append(echo, b)
			}
			prevCR = cr
		}
		flush()
		if err != nil {
			return
		}
	}
}

// interact is the interactive shell: a prompt, a line, its run, until exit,
// ^D on an empty line or the end of the client's input. It returns the exit
// status. An sh typed at it (kubectl exec -it … -- bash) interacts in turn.
func (t *tty) interact(ctx context.Context, sh *liveShell) int {
	t.push(nil)
	defer t.pop()
	for ctx.Err() == nil {
		_, _ = io.WriteString(t.out, ttyPrompt)
		run, cancel := context.WithCancel(ctx)
		var interrupted atomic.Bool
		in, ok := t.take(ctx, func() { interrupted.Store(true); cancel() })
		switch {
		case !ok:
			cancel()
			return sh.status
		case in.eof:
			cancel()
			_, _ = io.WriteString(t.out, "\r\n")
			return sh.status
		case in.intr: // the echo ended the line; a new prompt follows
			cancel()
			continue
		}
		t.run(run, sh, in.data, &interrupted)
		cancel()
		t.pop()
		if sh.exited {
			return sh.status
		}
	}
	return sh.status
}

// foreground runs one command line with the terminal as its stdin (an exec
// with a pty); ^C interrupts it.
func (t *tty) foreground(ctx context.Context, sh *liveShell, line string) {
	run, cancel := context.WithCancel(ctx)
	defer cancel()
	var interrupted atomic.Bool
	t.push(func() { interrupted.Store(true); cancel() })
	defer t.pop()
	t.run(run, sh, line, &interrupted)
}

// run runs line in the foreground; an interrupted command has status 130,
// as one killed by SIGINT.
func (t *tty) run(ctx context.Context, sh *liveShell, line string, interrupted *atomic.Bool) {
	sh.stdin, sh.tty = &ttyReader{t: t, ctx: ctx}, t
	sh.runLine(ctx, line)
	if interrupted.Load() {
		sh.status = 128 + 2
	}
}

// ttyReader is the terminal as a program's stdin: line by line, io.EOF at
// ^D on an empty line or when the client's input ends.
type ttyReader struct {
	t       *tty
	ctx     context.Context
	pending []byte
}

func (r *ttyReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		in, ok := r.t.take(r.ctx, nil)
		switch {
		case !ok && r.ctx.Err() != nil:
			return 0, r.ctx.Err()
		case !ok || in.eof:
			return 0, io.EOF
		}
		r.pending = []byte(in.data) // an interrupt never waits in the queue of a running command
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// onlcr is the terminal's output translation: every LF becomes CR LF.
type onlcr struct{ w io.Writer }

func (o onlcr) Write(p []byte) (int, error) {
	if _, err := o.w.Write(bytes.ReplaceAll(p, []byte{'\n'}, []byte{'\r', '\n'})); err != nil {
		return 0, err
	}
	return len(p), nil
}
