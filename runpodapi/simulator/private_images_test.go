package simulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestImageRepository(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"busybox", "docker.io/library/busybox"},
		{"busybox:1.36", "docker.io/library/busybox"},
		{"acme/trainer:v1", "docker.io/acme/trainer"},
		{"docker.io/acme/trainer", "docker.io/acme/trainer"},
		{"index.docker.io/acme/trainer:latest", "docker.io/acme/trainer"},
		{"registry.example.com:5000/team/app:v2@sha256:0123abcd", "registry.example.com:5000/team/app"},
		{"Registry.Example.com/team/app", "registry.example.com/team/app"},
		{"ghcr.io/org/img@sha256:0123abcd", "ghcr.io/org/img"},
		{"localhost/app", "localhost/app"},
		{"localhost:5000/app:dev", "localhost:5000/app"},
	} {
		if got := imageRepository(tc.in); got != tc.want {
			t.Errorf("imageRepository(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

const privateRepo = "registry.example.com/team/app"

// privateSim has privateRepo private (puller / s3cret) and three credentials.
func privateSim(t *testing.T) (sim *Simulator, clock *fakeClock, creds map[string]string) {
	t.Helper()
	sim, clock = newTestSim(t, func(o *Options) {
		o.PrivateImages = map[string]RegistryLogin{privateRepo: {Username: "puller", Password: "s3cret"}}
	})
	creds = map[string]string{
		"good":       mustRegistry(t, sim, "good", "puller", "s3cret"),
		"wrong pass": mustRegistry(t, sim, "wrong pass", "puller", "nope"),
		"wrong user": mustRegistry(t, sim, "wrong user", "other", "s3cret"),
	}
	return sim, clock, creds
}

func TestPrivateImagePull(t *testing.T) {
	sim, clock, creds := privateSim(t)
	for _, tc := range []struct {
		name, image, cred string
		runs              bool
	}{
		{"public image", "busybox:1.36", "", true},
		{"public image on the private host", "registry.example.com/team/other:1", "", true},
		{"private, no credential", privateRepo + ":v1", "", false},
		{"private, wrong password", privateRepo + ":v1", "wrong pass", false},
		{"private, wrong username", privateRepo + ":v1", "wrong user", false},
		{"private, the right credential", privateRepo + ":v1", "good", true},
		{"private by digest, the right credential", privateRepo + "@sha256:0123abcd", "good", true},
		{"private untagged, no credential", privateRepo, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := withCmd("sh", "-c", "echo hello; sleep infinity")
			req.Image, req.Registry = tc.image, creds[tc.cred]
			id := mustSeed(t, sim, req).ID
			clock.Step(bootDelay + time.Minute)
			p := decode[runpodapi.Pod](t, call(t, sim, http.MethodGet, "/v2/pods/"+id, nil))
			denied := "system: pull access denied for " + tc.image + ": unauthorized"
			if tc.runs {
				if p.Status != runpodapi.StatusRunning || p.Runtime == nil || slices.Contains(podEvents(t, sim, id), denied) {
					t.Fatalf("pod %s, runtime %v, events %q; want it RUNNING", p.Status, p.Runtime, podEvents(t, sim, id))
				}
				return
			}
			if p.Status != runpodapi.StatusProvisioning || p.Runtime != nil || p.StartedAt != nil || p.Cost == 0 ||
				!slices.Equal(p.Actions, []runpodapi.PodAction{runpodapi.ActionStop, runpodapi.ActionTerminate}) {
				t.Fatalf("denied pod = status %s runtime %v startedAt %v cost %v actions %v; want PROVISIONING, billed, never started",
					p.Status, p.Runtime, p.StartedAt, p.Cost, p.Actions)
			}
			if got := containerLog(t, sim, id); len(got) != 0 {
				t.Fatalf("a container that never started printed %q", got)
			}
			if !slices.Contains(podEvents(t, sim, id), denied) {
				t.Fatalf("events %q lack %q", podEvents(t, sim, id), denied)
			}
		})
	}
}

func TestPullDeniedRetries(t *testing.T) {
	sim, clock, _ := privateSim(t)
	image := privateRepo + ":v1"
	req := cpuRequest("p", 2)
	req.Image = image
	id := mustSeed(t, sim, req).ID
	pulling, denied := "system: pulling image "+image, "system: pull access denied for "+image+": unauthorized"
	created := podEvents(t, sim, id)[0]
	for _, tc := range []struct {
		at   time.Duration // since the create; each step waits for it
		want []string
	}{
		{0, []string{created, pulling}},
		{10 * time.Second, []string{created, pulling, denied}},
		{39 * time.Second, []string{created, pulling, denied}},
		{40 * time.Second, []string{created, pulling, denied, pulling}},
		{time.Hour, nil}, // 90 attempts by then
	} {
		clock.SetTime(newFakeClock().Now().Add(tc.at))
		got := podEvents(t, sim, id)
		if tc.want == nil {
			if len(got) != 2+2*90 || got[len(got)-1] != pulling {
				t.Fatalf("after an hour: %d events ending %q, want 182 ending with a new attempt", len(got), got[len(got)-1])
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Fatalf("at +%v: %q, want %q", tc.at, got, tc.want)
		}
	}
	if st := mustPod(t, sim, id).Status; st != runpodapi.StatusProvisioning {
		t.Fatalf("after an hour of refused pulls the pod is %s, want PROVISIONING", st)
	}
}

func TestPullDeniedRecovery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fix    func(t *testing.T, sim *Simulator, id string, creds map[string]string)
		status runpodapi.PodStatus // an hour later
		line   string              // among the system lines
	}{
		{"PATCH the right credential", func(t *testing.T, sim *Simulator, id string, creds map[string]string) {
			wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, map[string]string{"registry": creds["good"]}), 200)
		}, runpodapi.StatusRunning, "system: retrying image pull: registry credential changed"},
		{"PATCH another wrong credential", func(t *testing.T, sim *Simulator, id string, creds map[string]string) {
			wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, map[string]string{"registry": creds["wrong user"]}), 200)
		}, runpodapi.StatusProvisioning, "system: retrying image pull: registry credential changed"},
		{"PATCH a public image", func(t *testing.T, sim *Simulator, id string, _ map[string]string) {
			wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, map[string]string{"image": "busybox:1.36"}), 200)
		}, runpodapi.StatusRunning, "system: restarting container: image or command changed"},
		{"stop and start with no fix", func(t *testing.T, sim *Simulator, id string, _ map[string]string) {
			action(t, sim, id, "stop")
			action(t, sim, id, "start")
		}, runpodapi.StatusStarting, "system: container stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock, creds := privateSim(t)
			req := withCmd("sleep", "infinity")
			req.Image, req.Registry = privateRepo+":v1", creds["wrong pass"]
			id := mustSeed(t, sim, req).ID
			clock.Step(time.Minute)
			tc.fix(t, sim, id, creds)
			clock.Step(time.Hour)
			if st := mustPod(t, sim, id).Status; st != tc.status || !slices.Contains(podEvents(t, sim, id), tc.line) {
				t.Fatalf("an hour after the fix: %s with events %q; want %s and %q", st, podEvents(t, sim, id), tc.status, tc.line)
			}
		})
	}
}

func TestPulledImageStaysOnTheHost(t *testing.T) {
	sim, clock, creds := privateSim(t)
	req := withCmd("sleep", "infinity")
	req.Image, req.Registry = privateRepo+":v1", creds["good"]
	id := mustSeed(t, sim, req).ID
	clock.Step(bootDelay)
	// The host keeps the pulled image: a restart without the credential runs it.
	wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, `{"registry":null}`), 200)
	action(t, sim, id, "restart")
	clock.Step(bootDelay)
	if st := mustPod(t, sim, id).Status; st != runpodapi.StatusRunning {
		t.Fatalf("restart of a pulled image without a credential: %s, want RUNNING", st)
	}
	// Another tag is another pull, refused without the credential.
	wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, map[string]string{"image": privateRepo + ":v2"}), 200)
	clock.Step(time.Hour)
	p := mustPod(t, sim, id)
	if p.Status != runpodapi.StatusStarting || p.Runtime != nil {
		t.Fatalf("a new private tag without a credential: %s runtime %v, want STARTING and no runtime", p.Status, p.Runtime)
	}
	if events := strings.Join(podEvents(t, sim, id), "\n"); !strings.Contains(events, "pull access denied for "+privateRepo+":v2") {
		t.Fatalf("events lack the denial of v2:\n%s", events)
	}
}
