// Command runpod-kubelet is a Virtual Kubelet that runs Kubernetes pods on
// RunPod. `runpod-kubelet simulate` runs the RunPod v2 simulator instead.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/runpod-kubelet/runpod-kubelet/app"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "simulate" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := simulator.Main(ctx, os.Args[2:], os.Getenv, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "runpod-kubelet simulate:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(app.Main(os.Args[1:], os.Stderr))
}
