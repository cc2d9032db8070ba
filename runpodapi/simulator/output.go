package simulator

import (
	"fmt"
	"sort"
	"time"
)

// outLine is one container log line, at an offset from the program's start.
type outLine struct {
	at   time.Duration
	text string
}

// containerOutput is what a container prints, evaluated lazily: it may be
// endless, so lines are counted and built on demand, never stored whole.
type containerOutput interface {
	count(d time.Duration) int // lines printed at offsets ≤ d
	line(k int) outLine        // the k-th line (0-based), k < count(some d)
}

// emulatedOutput is an emulated program's output: finite lines, then, when
// the program ends in an endless loop, that loop's lines period after period.
type emulatedOutput struct {
	lines []outLine
	loop  *loopOut
}

// loopOut is an endless loop: one iteration's lines (offsets within the
// iteration) repeat every period from start.
type loopOut struct {
	start, period time.Duration
	lines         []outLine
}

func (o emulatedOutput) count(d time.Duration) int {
	n := sort.Search(len(o.lines), func(i int) bool { return o.lines[i].at > d })
	l := o.loop
	if l == nil || len(l.lines) == 0 || l.period <= 0 || d < l.start {
		return n
	}
	full := int((d - l.start) / l.period)
	phase := (d - l.start) % l.period
	return n + full*len(l.lines) + sort.Search(len(l.lines), func(i int) bool { return l.lines[i].at > phase })
}

func (o emulatedOutput) line(k int) outLine {
	if k < len(o.lines) {
		return o.lines[k]
	}
	l := o.loop
	k -= len(o.lines)
	it, j := k/len(l.lines), k%len(l.lines)
	return outLine{at: l.start + time.Duration(it)*l.period + l.lines[j].at, text: l.lines[j].text}
}

// generatedOutput is the default output of a container whose command is not
// emulated: a line each interval, RUNPOD_SIM_LOG_LINES once when set or
// "step N: loss=…" forever, after any lines a wrapper printed first (pre).
type generatedOutput struct {
	pre      []outLine
	podID    string
	interval time.Duration
	logLines []string // nil = generated training output
}

func (o generatedOutput) count(d time.Duration) int {
	pre := sort.Search(len(o.pre), func(i int) bool { return o.pre[i].at > d })
	n := max(int(d/o.interval), 0)
	if o.logLines != nil {
		n = min(n, len(o.logLines))
	}
	return pre + n
}

func (o generatedOutput) line(k int) outLine {
	if k < len(o.pre) {
		return o.pre[k]
	}
	k = k - len(o.pre) + 1 // the k-th generated line, 1-based
	at := time.Duration(k) * o.interval
	if o.logLines != nil {
		return outLine{at: at, text: o.logLines[k-1]}
	}
	jitter := float64(hash32(o.podID, fmt.Sprint(k))%500) / 10000
	loss := 2.0/(1+0.05*float64(k)) + jitter
	return outLine{at: at, text: fmt.Sprintf("step %d: loss=%.4f", k, loss)}
}
