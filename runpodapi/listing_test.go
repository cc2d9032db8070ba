package runpodapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// pagesOf serves GET /v2/pods from a script of raw page bodies keyed by the
// cursor they answer ("" for the first page); an absent cursor answers 500.
func pagesOf(pages map[string]string, asked *[]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.URL.Query().Get(ListCursorParam)
		*asked = append(*asked, c)
		body, ok := pages[c]
		if !ok {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})
}

func page(ids []string, next string) string {
	var pods []string
	for _, id := range ids {
		pods = append(pods, fmt.Sprintf(`{"id":%q,"name":"n-%s","status":"RUNNING"}`, id, id))
	}
	pag := `"pagination":{"hasNextPage":false,"nextCursor":null}`
	if next != "" {
		pag = fmt.Sprintf(`"pagination":{"hasNextPage":true,"nextCursor":%q}`, next)
	}
	return `{"pods":[` + strings.Join(pods, ",") + `],` + pag + `}`
}

func TestListPodsWalksEveryPage(t *testing.T) {
	tests := []struct {
		name       string
		pages      map[string]string
		wantIDs    string
		complete   bool
		incomplete string // in PodList.Incomplete
		err        bool
		asked      string
		seen       string // what onPage was given: a page's ids, "+" when more follow, pages split by "|"
	}{
		{name: "August spec: no pagination", pages: map[string]string{"": `{"pods":[{"id":"a"}]}`},
			wantIDs: "a", complete: true, asked: "", seen: "a"},
		{name: "live API: one page", pages: map[string]string{"": page([]string{"a", "b"}, "")},
			wantIDs: "a,b", complete: true, asked: "", seen: "a,b"},
		{name: "three pages", pages: map[string]string{"": page([]string{"a"}, "c1"), "c1": page([]string{"b"}, "c2"), "c2": page([]string{"c"}, "")},
			wantIDs: "a,b,c", complete: true, asked: ",c1,c2", seen: "a+|b+|c"},
		{name: "a later page fails", pages: map[string]string{"": page([]string{"a"}, "c1")},
			wantIDs: "a", incomplete: "page 2 failed", asked: ",c1,c1,c1,c1,c1", seen: "a+"},
		{name: "a repeated cursor", pages: map[string]string{"": page([]string{"a"}, "c1"), "c1": page([]string{"b"}, "c1")},
			wantIDs: "a,b", incomplete: `repeats cursor "c1"`, asked: ",c1", seen: "a+|b+"},
		{name: "a next page without a cursor", pages: map[string]string{"": `{"pods":[],"pagination":{"hasNextPage":true,"nextCursor":null}}`},
			incomplete: "gives no cursor", asked: "", seen: "+"},
		{name: "a later page without pods", pages: map[string]string{"": page([]string{"a"}, "c1"), "c1": `{}`},
			wantIDs: "a", incomplete: `no "pods" array`, asked: ",c1", seen: "a+"},
		{name: "the first page fails", pages: map[string]string{}, err: true, asked: ",,,,"},
		{name: "an answer without pods is not zero pods", pages: map[string]string{"": `{"items":[]}`}, err: true, asked: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []string
			c := newTestClient(t, pagesOf(tt.pages, &asked))
			var seen []string
			pl, err := c.ListPodsPaged(context.Background(), func(page []Pod, more bool) {
				var ids []string
				for _, p := range page {
					ids = append(ids, p.ID)
				}
				s := strings.Join(ids, ",")
				if more {
					s += "+"
				}
				seen = append(seen, s)
			})
			if got := strings.Join(asked, ","); got != tt.asked {
				t.Errorf("cursors asked %q, want %q", got, tt.asked)
			}
			if got := strings.Join(seen, "|"); got != tt.seen {
				t.Errorf("pages handed over %q, want %q", got, tt.seen)
			}
			if tt.err {
				if err == nil {
					t.Fatalf("ListPods = %+v, want an error", pl)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range pl.Pods {
				ids = append(ids, p.ID)
			}
			if got := strings.Join(ids, ","); got != tt.wantIDs {
				t.Errorf("pods %q, want %q", got, tt.wantIDs)
			}
			if pl.Complete != tt.complete || !strings.Contains(pl.Incomplete, tt.incomplete) || (tt.complete && pl.Incomplete != "") {
				t.Errorf("Complete %v Incomplete %q, want %v and %q", pl.Complete, pl.Incomplete, tt.complete, tt.incomplete)
			}
		})
	}
}

func TestListPodsBoundsAPage(t *testing.T) {
	big := `{"pods":[{"id":"` + strings.Repeat("x", MaxListPageBytes) + `"}]}`
	var asked []string
	c := newTestClient(t, pagesOf(map[string]string{"": big}, &asked))
	if _, err := c.ListPods(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("ListPods of a %d-byte page: %v, want a size error", len(big), err)
	}
}

func TestClientRefusesRedirectsAndPlainHTTP(t *testing.T) {
	var hits []string
	other := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.Header.Get("Authorization"))
	}))
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.base.String()+"/v2/pods", http.StatusTemporaryRedirect)
	}))
	_, err := c.GetPod(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "never follows") || len(hits) != 0 {
		t.Errorf("GetPod through a redirect: %v, %d requests reached the other server; want refused, none", err, len(hits))
	}
	for _, u := range []string{"http://api.runpod.io", "http://10.0.0.8:8999", "ftp://api.runpod.io", "api.runpod.io"} {
		if _, err := New(Config{BaseURL: u, APIKey: testKey}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	for _, u := range []string{"https://api.runpod.io", "http://127.0.0.1:8999", "http://localhost:8999", "http://[::1]:8999"} {
		if _, err := New(Config{BaseURL: u, APIKey: testKey}); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
}
