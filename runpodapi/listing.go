package runpodapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ListCursorParam is the query parameter that asks GET /v2/pods for the page
// after a cursor. The name is inferred from recordings of the live API, not
// documented: this is the one place that says it.
const ListCursorParam = "cursor"

// Bounds of one listing: more pages than MaxListPages, or a page body over
// MaxListPageBytes, make the listing incomplete instead of unbounded.
const (
	MaxListPages     = 1000
	MaxListPageBytes = 32 << 20
)

// PodList is the answer of one walk through every page of GET /v2/pods.
//
// Complete is true only when every page was read: the last one said
// hasNextPage false (or carried no pagination at all, as the August spec's
// answers do). When a later page fails, repeats a cursor or the walk exceeds
// MaxListPages, Pods holds what was read and Incomplete says why. A pod
// missing from an incomplete list proves nothing; only the pods it holds do.
type PodList struct {
	Pods       []Pod
	Complete   bool
	Pages      int
	Incomplete string // why the list is not complete; "" when it is
}

// ListPods walks every page of GET /v2/pods. It returns an error only when
// nothing usable came back (the first page failed); a failure after that is a
// PodList with Complete false.
func (c *Client) ListPods(ctx context.Context) (*PodList, error) {
	return c.ListPodsPaged(ctx, nil)
}

// ListPodsPaged is ListPods that also hands each page to onPage (when not
// nil) as it arrives, with more true when a next page is to be read: a walk
// of many pages paced by the rate limit can take minutes, and what its early
// pages show need not wait for the last.
func (c *Client) ListPodsPaged(ctx context.Context, onPage func(page []Pod, more bool)) (*PodList, error) {
	out := &PodList{}
	seen := map[string]bool{}
	cursor := ""
	for {
		if out.Pages == MaxListPages {
			out.Incomplete = fmt.Sprintf("stopped after %d pages (the page limit)", MaxListPages)
			return out, nil
		}
		page, err := c.listPage(ctx, cursor)
		if err != nil {
			if out.Pages == 0 {
				return nil, err
			}
			out.Incomplete = fmt.Sprintf("page %d failed: %v", out.Pages+1, err)
			return out, nil
		}
		out.Pages++
		out.Pods = append(out.Pods, page.Pods...)
		more := page.Pagination != nil && page.Pagination.HasNextPage
		if onPage != nil {
			onPage(page.Pods, more)
		}
		if !more {
			out.Complete = true
			return out, nil
		}
		next := ""
		if page.Pagination.NextCursor != nil {
			next = *page.Pagination.NextCursor
		}
		switch {
		case next == "":
			out.Incomplete = fmt.Sprintf("page %d says there is a next page but gives no cursor", out.Pages)
			return out, nil
		case seen[next]:
			out.Incomplete = fmt.Sprintf("page %d repeats cursor %q", out.Pages, next)
			return out, nil
		}
		seen[next], cursor = true, next
	}
}

// errNoPodsArray is an answer that decodes but is not a list of pods.
var errNoPodsArray = errors.New(`the answer has no "pods" array`)

func (c *Client) listPage(ctx context.Context, cursor string) (*ListPodsResponse, error) {
	var raw struct {
		Pods       *[]Pod      `json:"pods"`
		Pagination *Pagination `json:"pagination"`
	}
	cl := call{op: "list pods", method: http.MethodGet, route: "GET /v2/pods",
		path: "/v2/pods", want: http.StatusOK, out: &raw, maxBody: MaxListPageBytes}
	if cursor != "" {
		cl.query = url.Values{ListCursorParam: {cursor}}
	}
	if err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	if raw.Pods == nil { // `{}` or `{"pods":null}` is a broken answer, not zero pods
		return nil, &APIError{Op: cl.op, Err: errNoPodsArray}
	}
	return &ListPodsResponse{Pods: *raw.Pods, Pagination: raw.Pagination}, nil
}

// decodeBounded decodes at most limit bytes of JSON into out.
func decodeBounded(r io.Reader, limit int64, out any) error {
	lr := &limitedReader{r: r, left: limit + 1}
	if err := json.NewDecoder(lr).Decode(out); err != nil {
		if lr.left <= 0 {
			return fmt.Errorf("answer larger than %d bytes", limit)
		}
		return err
	}
	return nil
}

type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errors.New("answer too large")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
