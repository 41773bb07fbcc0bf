//go:build linux

package exetrim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Globals with non-zero initial values live in the executable's writable
// data segment, a private mapping of the file: dropping its pages would
// silently reset them to these values.
var (
	counter = 7
	table   = [4]int{1, 2, 3, 4}
	name    = "initial"
)

func TestReleaseGivesBackExecutablePages(t *testing.T) {
	// Touch a good deal of code first, as start-up does.
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "%d %x %q %v\n", i, i, "s", []float64{float64(i) / 3})
	}
	counter, table[2], name = 42, 99, "changed"
	before, err := rssFile()
	if err != nil {
		t.Fatal(err)
	}
	released, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	if released <= 0 || released > before {
		t.Errorf("Release gave back %d bytes of %d file-backed resident bytes; want some", released, before)
	}
	// The process goes on working: code comes back on demand...
	if got := fmt.Sprintf("%05d|%s", 42, strings.Repeat("ab", 2)); got != "00042|abab" {
		t.Errorf("after Release, Sprintf = %q", got)
	}
	// ...and globals keep the values the program gave them.
	if counter != 42 || table != [4]int{1, 2, 99, 4} || name != "changed" {
		t.Errorf("after Release, globals are %d %v %q; the data segment was dropped", counter, table, name)
	}
}

func TestReadOnlyRegions(t *testing.T) {
	const maps = `00400000-00c00000 r-xp 00000000 fd:01 1234      /usr/bin/gatehouse
00c00000-01400000 r--p 00800000 fd:01 1234      /usr/bin/gatehouse
01400000-01480000 rw-p 01000000 fd:01 1234      /usr/bin/gatehouse
01480000-014c0000 rw-p 00000000 00:00 0
02000000-02010000 r--s 00000000 fd:01 1234      /usr/bin/gatehouse
03000000-03100000 r--p 00000000 fd:01 5678      /usr/lib/locale/locale-archive
04000000-04001000 r-xp 00000000 fd:02 1234      /other/device/same/inode
c000000000-c004000000 rw-p 00000000 00:00 0
7ffd1000-7ffd3000 r-xp 00000000 00:00 0                          [vdso]
`
	got, err := readOnlyRegions([]byte(maps), 0x00500000)
	if err != nil {
		t.Fatal(err)
	}
	want := []region{{0x00400000, 0x00c00000}, {0x00c00000, 0x01400000}}
	if !slices.Equal(got, want) {
		t.Errorf("regions = %#v, want text and rodata only: %#v", got, want)
	}

	for _, tc := range []struct {
		name string
		maps string
		pc   uintptr
	}{
		{"pc in no mapping", maps, 0x05000000},
		{"pc in an anonymous mapping", maps, 0x01490000},
		{"pc in the vdso", maps, 0x7ffd1800},
		{"short line", "00400000-00c00000 r-xp 00000000\n", 0x00500000},
		{"bad range", "00c00000-00400000 r-xp 00000000 fd:01 1234 /x\n", 0x00500000},
		{"bad hex", "0040000g-00c00000 r-xp 00000000 fd:01 1234 /x\n", 0x00500000},
		{"bad perms", "00400000-00c00000 rx 00000000 fd:01 1234 /x\n", 0x00500000},
	} {
		if r, err := readOnlyRegions([]byte(tc.maps), tc.pc); err == nil {
			t.Errorf("%s: regions %#v, want an error (nothing may be dropped on a guess)", tc.name, r)
		}
	}
}
