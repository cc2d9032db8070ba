package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
)

// vkLogger adapts slog to virtual-kubelet's Logger. The library's own slog
// adapter panics on non-string messages; this one formats whatever it gets.
type vkLogger struct{ l *slog.Logger }

var _ vklog.Logger = vkLogger{}

func (v vkLogger) log(level slog.Level, args ...any) {
	if v.l.Enabled(context.Background(), level) {
		v.l.Log(context.Background(), level, fmt.Sprint(args...))
	}
}

func (v vkLogger) logf(level slog.Level, format string, args ...any) {
	if v.l.Enabled(context.Background(), level) {
		v.l.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (v vkLogger) Debug(args ...any)                        { v.log(slog.LevelDebug, args...) }
func (v vkLogger) Debugf(f string, args ...any)             { v.logf(slog.LevelDebug, f, args...) }
func (v vkLogger) Info(args ...any)                         { v.log(slog.LevelInfo, args...) }
func (v vkLogger) Infof(f string, args ...any)              { v.logf(slog.LevelInfo, f, args...) }
func (v vkLogger) Warn(args ...any)                         { v.log(slog.LevelWarn, args...) }
func (v vkLogger) Warnf(f string, args ...any)              { v.logf(slog.LevelWarn, f, args...) }
func (v vkLogger) Error(args ...any)                        { v.log(slog.LevelError, args...) }
func (v vkLogger) Errorf(f string, args ...any)             { v.logf(slog.LevelError, f, args...) }
func (v vkLogger) Fatal(args ...any)                        { v.log(slog.LevelError, args...); os.Exit(1) }
func (v vkLogger) Fatalf(f string, args ...any)             { v.logf(slog.LevelError, f, args...); os.Exit(1) }
func (v vkLogger) WithError(err error) vklog.Logger         { return vkLogger{v.l.With("err", err)} }
func (v vkLogger) WithField(k string, val any) vklog.Logger { return vkLogger{v.l.With(k, val)} }

func (v vkLogger) WithFields(f vklog.Fields) vklog.Logger {
	args := make([]any, 0, 2*len(f))
	for k, val := range f {
		args = append(args, k, val)
	}
	return vkLogger{v.l.With(args...)}
}
