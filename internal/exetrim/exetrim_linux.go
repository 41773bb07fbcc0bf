package exetrim

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
)

// Release drops this process's mappings of the read-only pages of its own
// executable and returns how much file-backed resident memory that gave
// back (RssFile before minus after; it can be slightly off, as other
// threads keep running and faulting pages in).
func Release() (int64, error) {
	before, err := rssFile()
	if err != nil {
		return 0, err
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("exetrim: %w", err)
	}
	// The executable is whatever file this very code is mapped from
	// (matched by the maps line's own device and inode: stat's may differ
	// on overlay filesystems).
	regions, err := readOnlyRegions(maps, reflect.ValueOf(Release).Pointer())
	if err != nil {
		return 0, err
	}
	for _, r := range regions {
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, r.start, r.end-r.start, syscall.MADV_DONTNEED); e != 0 {
			return 0, fmt.Errorf("exetrim: madvise %#x-%#x: %w", r.start, r.end, e)
		}
	}
	after, err := rssFile()
	if err != nil {
		return 0, err
	}
	return before - after, nil
}

// region is an address range [start, end).
type region struct{ start, end uintptr }

// mapping is one line of /proc/self/maps.
type mapping struct {
	region
	perms, file string // file: "dev inode"
}

// parseMaps parses the text of /proc/self/maps.
func parseMaps(maps []byte) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(maps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		// address perms offset dev inode [path]
		f := strings.Fields(sc.Text())
		if len(f) < 5 || len(f[1]) != 4 {
			return nil, fmt.Errorf("exetrim: unexpected maps line %q", sc.Text())
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || end <= start {
			return nil, fmt.Errorf("exetrim: bad address range in maps line %q", sc.Text())
		}
		out = append(out, mapping{region: region{uintptr(start), uintptr(end)}, perms: f[1], file: f[3] + " " + f[4]})
	}
	return out, sc.Err()
}

// readOnlyRegions returns the mappings in maps (the text of
// /proc/self/maps) of the file that holds address pc which are readable,
// not writable and private. It is an error if pc is not in a file
// mapping.
func readOnlyRegions(maps []byte, pc uintptr) ([]region, error) {
	all, err := parseMaps(maps)
	if err != nil {
		return nil, err
	}
	file := ""
	for _, m := range all {
		if m.start <= pc && pc < m.end {
			file = m.file
		}
	}
	if file == "" || strings.HasSuffix(file, " 0") {
		return nil, fmt.Errorf("exetrim: address %#x is not in a file mapping", pc)
	}
	var out []region
	for _, m := range all {
		if m.file == file && m.perms[0] == 'r' && m.perms[1] == '-' && m.perms[3] == 'p' {
			out = append(out, m.region)
		}
	}
	return out, nil
}

// rssFile returns the process's file-backed resident memory in bytes.
func rssFile() (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("exetrim: %w", err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("exetrim: RssFile: %w", err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("exetrim: no RssFile in /proc/self/status")
}
