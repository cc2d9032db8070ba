package runpodapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GpuTypeQuery selects what GET /v2/catalog/gpus reports.
type GpuTypeQuery struct {
	// Availability adds stock for pods: include=AVAILABILITY&product=POD.
	Availability bool
	Count        int   // GPUs per pod for availability; default 1 (only with Availability)
	Cloud        Cloud // SECURE or COMMUNITY for availability (only with Availability)
}

// ListGpuTypes returns the GPU catalog (GET /v2/catalog/gpus).
func (c *Client) ListGpuTypes(ctx context.Context, q GpuTypeQuery) ([]GpuType, error) {
	v := url.Values{}
	if q.Availability {
		v.Set("include", "AVAILABILITY")
		v.Set("product", "POD")
		if q.Count > 0 {
			v.Set("count", strconv.Itoa(q.Count))
		}
		if q.Cloud != "" {
			v.Set("cloud", string(q.Cloud))
		}
	}
	var out ListGpuTypesResponse
	err := c.do(ctx, call{op: "list GPU types", method: http.MethodGet, route: "GET /v2/catalog/gpus",
		path: "/v2/catalog/gpus", query: v, want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.Gpus, nil
}

// CpuTypeQuery selects what GET /v2/catalog/cpus reports.
type CpuTypeQuery struct {
	// Availability adds stock for pods: include=AVAILABILITY&product=POD.
	Availability bool
	VcpuCount    int // vCPUs per pod for availability, a power of two (only with Availability)
}

// ListCpuTypes returns the CPU flavors (GET /v2/catalog/cpus).
func (c *Client) ListCpuTypes(ctx context.Context, q CpuTypeQuery) ([]CpuType, error) {
	v := url.Values{}
	if q.Availability {
		v.Set("include", "AVAILABILITY")
		v.Set("product", "POD")
		if q.VcpuCount > 0 {
			v.Set("vcpuCount", strconv.Itoa(q.VcpuCount))
		}
	}
	var out ListCpuTypesResponse
	err := c.do(ctx, call{op: "list CPU types", method: http.MethodGet, route: "GET /v2/catalog/cpus",
		path: "/v2/catalog/cpus", query: v, want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.Cpus, nil
}

// DataCenterQuery selects what GET /v2/catalog/datacenters reports.
type DataCenterQuery struct {
	GpuAvailability bool     // include=GPU_AVAILABILITY
	Regions         []string // DataCenterRegion values, OR-ed
}

// ListDataCenters returns the data centers (GET /v2/catalog/datacenters).
func (c *Client) ListDataCenters(ctx context.Context, q DataCenterQuery) ([]DataCenter, error) {
	v := url.Values{}
	if q.GpuAvailability {
		v.Set("include", "GPU_AVAILABILITY")
	}
	if len(q.Regions) > 0 {
		v.Set("regions", strings.Join(q.Regions, ","))
	}
	var out ListDataCentersResponse
	err := c.do(ctx, call{op: "list data centers", method: http.MethodGet, route: "GET /v2/catalog/datacenters",
		path: "/v2/catalog/datacenters", query: v, want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.DataCenters, nil
}
