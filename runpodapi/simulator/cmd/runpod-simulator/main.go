// Command runpod-simulator serves the RunPod v2 simulator on its own, for
// the demo, the bench and local experiments. It is a separate binary so the
// kubelet's release image does not carry the simulator.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := simulator.Main(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "runpod-simulator:", err)
		os.Exit(1)
	}
}
