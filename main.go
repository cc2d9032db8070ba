// Command runpod-kubelet is a Virtual Kubelet that runs Kubernetes pods on
// RunPod. The simulator is its own command: runpodapi/simulator/cmd/runpod-simulator.
package main

import (
	"os"

	"github.com/runpod-kubelet/runpod-kubelet/app"
)

func main() { os.Exit(app.Main(os.Args[1:], os.Stderr)) }
