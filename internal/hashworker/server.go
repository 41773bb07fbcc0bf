package hashworker

import (
	"bufio"
	"errors"
	"io"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// maxInFlight bounds the hashes the child computes at once; the gateway's
// own limit (hashing.max_concurrent) is normally lower.
const maxInFlight = 64

// hello is what the child writes first, so the parent knows it is a
// hash worker and not something else answering on the pipe.
var hello = []byte("gatehouse-hash-worker/1\n")

// Serve answers requests read from r with responses written to w until r
// ends (the parent closed the pipe or died). It is the whole of the
// `gatehouse hash-worker` command.
func Serve(r io.Reader, w io.Writer) error {
	out := bufio.NewWriter(w)
	var mu sync.Mutex // guards out
	mu.Lock()
	_, err := out.Write(hello)
	if err == nil {
		err = out.Flush()
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	in := bufio.NewReader(r)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		q, err := readRequest(in)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p := &response{id: q.id}
			if q.valid() {
				p.key, p.ok = answer(q)
			}
			clear(q.password)
			mu.Lock()
			defer mu.Unlock()
			if _, err := out.Write(appendResponse(nil, p)); err == nil {
				_ = out.Flush()
			}
		})
	}
}

// answer computes what the valid request q asks for; false when it
// cannot be answered (a bcrypt hash bcrypt cannot read).
func answer(q *request) ([]byte, bool) {
	if q.op == opArgon2 {
		return argon2.IDKey(q.password, q.salt, q.iterations, q.memoryKiB, q.parallelism, q.keyLen), true
	}
	switch err := bcrypt.CompareHashAndPassword(q.salt, q.password); {
	case err == nil:
		return []byte{1}, true
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return []byte{0}, true
	default:
		return nil, false
	}
}
