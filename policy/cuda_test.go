package policy

import "testing"

func TestIsCUDAVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"12.8": true, "11.0": true, "12.11": true, "1.2": true, "123456789.1": true,
		"": false, "12": false, "12.": false, ".8": false, "12.8.1": false, "v12.8": false,
		"12,8": false, "１２.８": false, "1234567890.1": false, "1.1234567890": false, " 12.8": false,
	} {
		if got := isCUDAVersion(v); got != want {
			t.Errorf("isCUDAVersion(%q) = %v, want %v", v, got, want)
		}
	}
}
