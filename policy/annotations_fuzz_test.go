package policy

import (
	"errors"
	"testing"
)

// FuzzParseAnnotations feeds arbitrary values to every key, on the pod and on
// the Job: parsing must never panic, and every error must be a refusal.
func FuzzParseAnnotations(f *testing.F) {
	for _, seed := range [][2]string{
		{"24", "80"}, {"abc", ""}, {"8080/http,22/tcp", "53/udp"}, {"12.8,12.6", "12.1"},
		{"0.50", "NaN"}, {"US-TX-3, EU-RO-1", ",,"}, {"/workspace", "relative"}, {"$(X)", "\x00"},
		{"9999999999999999999999", "-1"}, {"NVIDIA L40S,NVIDIA RTX A5000", "SECURE"},
	} {
		f.Add(seed[0], seed[1], uint8(0))
	}
	keys := AnnotationKeys()
	f.Fuzz(func(t *testing.T, podValue, jobValue string, pick uint8) {
		pod, job := map[string]string{}, map[string]string{}
		for i, k := range keys {
			if (int(pick)+i)%3 != 2 {
				pod[k] = podValue
			}
			if (int(pick)+i)%2 == 0 {
				job[k] = jobValue
			}
		}
		a, err := ParseAnnotations(pod, job)
		if err != nil {
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("error is not a refusal: %v", err)
			}
			return
		}
		if len(a.AllowedCUDAVersions) > 0 && a.MinCUDAVersion != "" {
			t.Fatalf("both CUDA constraints accepted: %+v", a)
		}
		for _, p := range a.Ports {
			if _, err := ParseAnnotations(map[string]string{AnnotationPorts: p}, nil); err != nil {
				t.Fatalf("normalised port %q does not parse again: %v", p, err)
			}
		}
	})
}
