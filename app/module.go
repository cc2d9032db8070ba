package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Main loads the configuration from the environment and args and runs the
// kubelet until SIGINT/SIGTERM. It returns the process exit code.
func Main(args []string, stderr io.Writer) int {
	cfg, err := Load(args, os.ReadFile)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, err)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "runpod-kubelet: invalid configuration:\n%v\n", err)
		return 2
	}
	app := fx.New(Module(cfg, stderr), fx.StopTimeout(shutdownTimeout), fx.WithLogger(func(l *slog.Logger) fxevent.Logger {
		fl := &fxevent.SlogLogger{Logger: l}
		fl.UseLogLevel(slog.LevelDebug) // fx's own start-up chatter only at LOG_LEVEL=debug
		return fl
	}))
	if err := app.Err(); err != nil {
		fmt.Fprintln(stderr, "runpod-kubelet:", err)
		return 1
	}
	app.Run()
	return 0
}

// shutdownTimeout bounds the whole stop: the term (its creates in flight
// included, termStopTimeout) and then the Lease release. Manifests give the
// pod a terminationGracePeriodSeconds above it.
const shutdownTimeout = 45 * time.Second

// termStopTimeout is how long a stopping term may take: its create POSTs
// in flight end within the client's call timeout.
func termStopTimeout(rp *runpodapi.Client) time.Duration { return rp.CallTimeout() + 5*time.Second }

// Module wires the kubelet: fx builds every part once (one module per
// package the parts come from) and startKubelet runs leader election, whose
// terms run the leader-only parts.
func Module(cfg *Config, logOut io.Writer) fx.Option {
	return fx.Module("runpod-kubelet",
		fx.Supply(cfg),
		fx.Provide(
			func() *slog.Logger {
				return slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: cfg.SlogLevel()}))
			},
			newClock,
			newMetrics,
			newHealthServer,
			newElector,
			newTerm,
		),
		kubeModule,
		runpodModule,
		nodeModule,
		podsyncModule,
		fx.Invoke(startKubelet),
	)
}

// newClock is the one clock of the process; tests of the parts pass their own.
func newClock() clock.WithTicker { return clock.RealClock{} }

func newElector(cfg *Config, kube kubernetes.Interface, rp *runpodapi.Client, log *slog.Logger, m *Metrics,
	clk clock.WithTicker) *elector {
	return &elector{cfg: cfg, kube: kube, log: log, metrics: m, clock: clk, stopTimeout: termStopTimeout(rp)}
}

// startKubelet runs leader election (or the controllers directly when
// LEADER_ELECTION=false) in the background.
func startKubelet(lc fx.Lifecycle, sd fx.Shutdowner, cfg *Config, rp *runpodapi.Client, log *slog.Logger,
	m *Metrics, health *HealthServer, el *elector, t *term, clk clock.WithTicker) {
	m.watchBudget(rp.Budget)
	m.setSpendCap(cfg.MaxHourlySpend)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lost := func() {
		health.SetReady(false, "leadership lost")
		_ = sd.Shutdown(fx.ExitCode(1))
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			log.Info("starting runpod-kubelet", "config", cfg)
			go func() {
				defer close(done)
				if !cfg.LeaderElection {
					m.setLeader(true)
					// One process by definition, but the one before it may have
					// died with a create in flight: treat the start as a takeover.
					h := podsync.Handover{From: "the previous process", At: clk.Now()}
					if err := t.run(ctx, h); err != nil {
						log.Error("controllers stopped", "err", err)
						lost()
					}
					return
				}
				health.SetReady(true, "") // a standby is ready: it serves health and waits
				el.run(ctx, t.run, lost)
			}()
			return nil
		},
		OnStop: func(stopCtx context.Context) error {
			el.stop() // controllers (and their creates in flight) first, then the Lease
			cancel()
			select {
			case <-done:
			case <-stopCtx.Done():
			}
			return nil
		},
	})
}
