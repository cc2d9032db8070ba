package podsync

import (
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestStatusPortsReady(t *testing.T) {
	mapped := func(private int, typ string, public *int, ip *string) runpodapi.PodRuntimePort {
		return runpodapi.PodRuntimePort{Private: private, Type: typ, Public: public, IP: ip}
	}
	ip := new(testPublicIP)
	tests := []struct {
		name    string
		ports   []string
		runtime *runpodapi.PodRuntime
		want    bool
	}{
		{"no ports", nil, nil, true},
		{"http only without runtime", []string{"8888/http"}, nil, true},
		{"tcp without runtime", []string{"22/tcp"}, nil, false},
		{"tcp mapped", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "tcp", new(40022), ip)}}, true},
		{"tcp public port pending", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "tcp", nil, ip)}}, false},
		{"tcp public port zero", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "tcp", new(0), ip)}}, false},
		{"tcp ip pending", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "tcp", new(40022), nil)}}, false},
		{"tcp ip empty", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "tcp", new(40022), new(""))}}, false},
		{"other port mapped", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(2222, "tcp", new(40022), ip)}}, false},
		{"same number mapped as http", []string{"22/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "http", new(40022), ip)}}, false},
		{"one of two mapped", []string{"22/tcp", "6006/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{mapped(22, "tcp", new(40022), ip)}}, false},
		{"both mapped, http unmapped", []string{"8888/http", "22/tcp", "6006/tcp"}, &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{
			mapped(8888, "http", nil, nil), mapped(6006, "TCP", new(40606), ip), mapped(22, "tcp", new(40022), ip)}}, true},
		{"unparsable entry ignored", []string{"ssh/tcp", "8888/http"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PortsReady(&runpodapi.Pod{Ports: tt.ports, Runtime: tt.runtime}); got != tt.want {
				t.Fatalf("PortsReady = %v, want %v", got, tt.want)
			}
		})
	}
	if PortsReady(nil) {
		t.Fatal("PortsReady(nil) = true, want false")
	}
}

func TestStatusPublicIP(t *testing.T) {
	tests := []struct {
		name string
		rp   *runpodapi.Pod
		want string
	}{
		{"nil pod", nil, ""},
		{"nil runtime", &runpodapi.Pod{}, ""},
		{"no ports", &runpodapi.Pod{Runtime: &runpodapi.PodRuntime{}}, ""},
		{"http only", &runpodapi.Pod{Runtime: &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{{Private: 8888, Type: "http"}}}}, ""},
		{"empty ip skipped", &runpodapi.Pod{Runtime: &runpodapi.PodRuntime{Ports: []runpodapi.PodRuntimePort{
			{Private: 8888, Type: "http", IP: new("")}, {Private: 22, Type: "tcp", IP: new("198.51.100.1")}, {Private: 23, Type: "tcp", IP: new("198.51.100.2")}}}}, "198.51.100.1"},
		{"mapped", runningRunPod(true), testPublicIP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PublicIP(tt.rp); got != tt.want {
				t.Fatalf("PublicIP = %q, want %q", got, tt.want)
			}
		})
	}
}
