package dnsname

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		s          string
		maxLen     int
		underscore bool
		want       bool
	}{
		{"eu.shop", 63, false, true},
		{"a-b.c1", 63, false, true},
		{"", 63, false, false},
		{"a..b", 63, false, false},
		{"-a", 63, false, false},
		{"a-", 63, false, false},
		{strings.Repeat("a", 64), 253, false, false},
		{strings.Repeat("a", 63), 253, false, true},
		{"ab.cd", 4, false, false},
		{"in_ternal", 63, false, false},
		{"in_ternal", 63, true, true},
		{"UPPER", 63, true, false},
		{"a b", 63, true, false},
	} {
		if got := Valid(tc.s, tc.maxLen, tc.underscore); got != tc.want {
			t.Errorf("Valid(%q, %d, %v) = %v, want %v", tc.s, tc.maxLen, tc.underscore, got, tc.want)
		}
	}
}
