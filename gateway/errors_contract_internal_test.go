package gateway

import (
	"os"
	"strings"
	"testing"
)

// TestContractListsEveryErrorCode: every code the error table answers
// with is in docs/contract.md's list of error codes, so that whoever
// writes a client against the contract meets no code it does not name.
// Before, the list had fallen 35 codes behind the table.
func TestContractListsEveryErrorCode(t *testing.T) {
	b, err := os.ReadFile("../docs/contract.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "- **Error codes**")
	if i < 0 {
		t.Fatal(`docs/contract.md has no "- **Error codes**" list`)
	}
	list := doc[i:]
	if j := strings.Index(list, "\n- "); j > 0 {
		list = list[:j]
	}
	for _, e := range errorTable {
		if code := e.out.Code; code != "" && !strings.Contains(list, "`"+code+"`") {
			t.Errorf("error code %q (status %d) is not in docs/contract.md's list of error codes", code, e.out.Status)
		}
	}
}
