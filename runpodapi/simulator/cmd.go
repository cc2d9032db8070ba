package simulator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// shutdownGrace bounds the graceful shutdown of the simulate command.
const shutdownGrace = 5 * time.Second

// command is the parsed configuration of `runpod-simulator`.
type command struct {
	listen string
	opts   Options
	faults Faults
}

// parseCommand reads flags, each of which may also come from the env var
// SIM_<FLAG_NAME> (flags win); the API key comes from RUNPOD_API_KEY.
func parseCommand(args []string, getenv func(string) string, stderr io.Writer) (command, error) {
	def := DefaultOptions("")
	c := command{opts: def}
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8999", "address to serve on (port 0 picks a free port)")
	fs.Int64Var(&c.opts.Seed, "seed", def.Seed, "random seed for pod ids, addresses and fault dice")
	fs.DurationVar(&c.opts.ProvisioningDelay, "provisioning-delay", def.ProvisioningDelay, "time a pod spends PROVISIONING")
	fs.DurationVar(&c.opts.StartingDelay, "starting-delay", def.StartingDelay, "time a pod spends STARTING")
	fs.DurationVar(&c.opts.LogInterval, "log-interval", def.LogInterval, "one line of the default container output per interval while RUNNING")
	fs.IntVar(&c.opts.Quota.Minute, "quota-minute", def.Quota.Minute, "requests per minute (0 disables the window)")
	fs.IntVar(&c.opts.Quota.Hour, "quota-hour", def.Quota.Hour, "requests per hour (0 disables the window)")
	fs.IntVar(&c.opts.Quota.Day, "quota-day", def.Quota.Day, "requests per day (0 disables the window)")
	fs.IntVar(&c.opts.PageSize, "page-size", DefaultPageSize, "pods per GET /v2/pods page")
	fs.Float64Var(&c.faults.ErrorRate, "error-rate", 0, "fraction of requests answered 500/502/503")
	fs.DurationVar(&c.faults.Latency, "latency", 0, "latency added to every request")
	fs.Float64Var(&c.faults.ResetRate, "reset-rate", 0, "fraction of requests whose connection is dropped")
	fs.BoolVar(&c.faults.RateLimitStorm, "rate-limit-storm", false, "answer every request 429")
	fs.IntVar(&c.faults.CreateThen500, "create-then-500", 0, "the next N creates make the pod but answer 500")
	if err := fs.Parse(args); err != nil {
		return command{}, err
	}
	if fs.NArg() > 0 {
		return command{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "SIM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && !set[f.Name] && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("env %s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return command{}, envErr
	}
	c.opts.APIKey = getenv("RUNPOD_API_KEY")
	if c.opts.APIKey == "" {
		return command{}, errors.New("RUNPOD_API_KEY is required: it is the bearer key the simulator accepts")
	}
	return c, nil
}

// Main runs the `simulate` command: it serves the simulator until ctx is
// done, then shuts down gracefully. `--help` prints usage and returns nil.
func Main(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	c, err := parseCommand(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.listen)
	if err != nil {
		return fmt.Errorf("simulate: listen on %s: %w", c.listen, err)
	}
	sim := New(c.opts)
	sim.SetFaults(c.faults)
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	q := c.opts.Quota
	fmt.Fprintf(stderr, "runpod simulator listening on http://%s (seed %d, quota %d/%d/%d per minute/hour/day)\n",
		ln.Addr(), c.opts.Seed, q.Minute, q.Hour, q.Day)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		sim.Close()
		return fmt.Errorf("simulate: serve: %w", err)
	case <-ctx.Done():
	}
	sim.Close()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("simulate: shutdown: %w", err)
	}
	<-served
	return nil
}
