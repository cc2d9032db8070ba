package simulator

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// walk reads every page of GET /v2/pods and returns the names, in order.
func walk(t *testing.T, sim *Simulator, between func(page int)) ([]string, int) {
	t.Helper()
	var names []string
	cursor, pages := "", 0
	for {
		path := "/v2/pods"
		if cursor != "" {
			path += "?" + runpodapi.ListCursorParam + "=" + url.QueryEscape(cursor)
		}
		rec := call(t, sim, http.MethodGet, path, nil)
		wantStatus(t, rec, http.StatusOK)
		resp := decode[runpodapi.ListPodsResponse](t, rec)
		pages++
		for _, p := range resp.Pods {
			names = append(names, p.Name)
		}
		if resp.Pagination == nil {
			t.Fatal("no pagination in the answer")
		}
		if !resp.Pagination.HasNextPage {
			return names, pages
		}
		cursor = *resp.Pagination.NextCursor
		if between != nil {
			between(pages)
		}
	}
}

func TestListPaginatesInCreationOrder(t *testing.T) {
	sim, _ := newTestSim(t, func(o *Options) { o.PageSize = 3 })
	var ids []string
	for i := range 7 {
		ids = append(ids, mustSeed(t, sim, cpuRequest(fmt.Sprintf("p%d", i), 2)).ID)
	}
	names, pages := walk(t, sim, nil)
	if fmt.Sprint(names) != "[p0 p1 p2 p3 p4 p5 p6]" || pages != 3 {
		t.Fatalf("walked %v in %d pages, want p0…p6 in 3", names, pages)
	}
	// A pod deleted between two pages moves nothing: no pod is skipped or repeated.
	names, _ = walk(t, sim, func(page int) {
		if page == 1 {
			wantStatus(t, call(t, sim, http.MethodDelete, "/v2/pods/"+ids[1], nil), http.StatusNoContent)
		}
	})
	if fmt.Sprint(names) != "[p0 p1 p2 p3 p4 p5 p6]" {
		t.Errorf("after a delete between pages: %v, want the first page as read and the rest unmoved", names)
	}
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods?cursor=bogus", nil), http.StatusUnprocessableEntity)
}

func TestListFaults(t *testing.T) {
	sim, clock := newTestSim(t, func(o *Options) { o.PageSize = 2 })
	for i := range 3 {
		mustSeed(t, sim, cpuRequest(fmt.Sprintf("p%d", i), 2))
	}
	clock.Step(10 * time.Second)
	young := mustSeed(t, sim, cpuRequest("young", 2))

	sim.SetFaults(Faults{ListLag: 5 * time.Second})
	if names, _ := walk(t, sim, nil); fmt.Sprint(names) != "[p0 p1 p2]" {
		t.Errorf("with a 5 s list lag: %v, want the young pod left out", names)
	}
	wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods/"+young.ID, nil), http.StatusOK)

	sim.SetFaults(Faults{EmptyLists: 1})
	if names, pages := walk(t, sim, nil); len(names) != 0 || pages != 1 {
		t.Errorf("an empty listing: %v in %d pages", names, pages)
	}
	if names, _ := walk(t, sim, nil); len(names) != 4 {
		t.Errorf("after the empty listing: %v, want all 4", names)
	}

	sim.SetFaults(Faults{FailPages: 1})
	first := decode[runpodapi.ListPodsResponse](t, call(t, sim, http.MethodGet, "/v2/pods", nil))
	next := "/v2/pods?cursor=" + url.QueryEscape(*first.Pagination.NextCursor)
	problemOf(t, call(t, sim, http.MethodGet, next, nil), http.StatusInternalServerError)
	wantStatus(t, call(t, sim, http.MethodGet, next, nil), http.StatusOK)
}
