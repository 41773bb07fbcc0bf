package hashworker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Limits that keep a corrupt or hostile frame from allocating much.
const (
	maxPassword = 4096
	maxSalt     = 64
	maxKey      = 128
	maxFrame    = 4 + 8 + 1 + 4 + 4 + 1 + 4 + 2 + maxSalt + maxPassword
)

// What a request asks for.
const (
	// opArgon2 asks for argon2id(password, salt, iterations, memory,
	// lanes, keyLen).
	opArgon2 byte = 0
	// opBcrypt asks whether password matches the bcrypt hash carried as
	// the salt: the answer's key is one byte, 1 for a match, 0 for none.
	opBcrypt byte = 1
)

// bcryptLen is the length of a bcrypt hash ($2b$CC$ and 53 characters).
const bcryptLen = 60

// request asks for op over password.
type request struct {
	id          uint64
	op          byte
	iterations  uint32
	memoryKiB   uint32
	parallelism uint8
	keyLen      uint32
	salt        []byte
	password    []byte
}

// response carries the key for request id, or a failure.
type response struct {
	id  uint64
	ok  bool
	key []byte
}

var errFrame = errors.New("hashworker: malformed frame")

func (q *request) valid() bool {
	if q.op == opBcrypt {
		return len(q.salt) == bcryptLen && len(q.password) <= maxPassword
	}
	// Every hash the gateway checks (auth.MaxArgon2Iterations,
	// auth.MaxArgon2MemoryKiB): one refused here is computed in the
	// gateway process (Client.do).
	return q.op == opArgon2 && q.iterations > 0 && q.iterations <= auth.MaxArgon2Iterations && q.memoryKiB >= 8 && q.memoryKiB <= auth.MaxArgon2MemoryKiB &&
		q.parallelism > 0 && q.keyLen > 0 && q.keyLen <= maxKey && len(q.salt) <= maxSalt && len(q.password) <= maxPassword
}

// appendRequest appends q's frame: a 4-byte length, then the fields.
func appendRequest(b []byte, q *request) []byte {
	n := 8 + 1 + 4 + 4 + 1 + 4 + 2 + len(q.salt) + len(q.password)
	b = binary.LittleEndian.AppendUint32(b, uint32(n)) //nolint:gosec // G115: only valid requests are sent, n <= maxFrame
	b = binary.LittleEndian.AppendUint64(b, q.id)
	b = append(b, q.op)
	b = binary.LittleEndian.AppendUint32(b, q.iterations)
	b = binary.LittleEndian.AppendUint32(b, q.memoryKiB)
	b = append(b, q.parallelism)
	b = binary.LittleEndian.AppendUint32(b, q.keyLen)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(q.salt))) //nolint:gosec // G115: only valid requests are sent, len(salt) <= maxSalt
	b = append(b, q.salt...)
	return append(b, q.password...)
}

// readRequest reads one request frame.
func readRequest(r io.Reader) (*request, error) {
	body, err := readFrame(r)
	if err != nil {
		return nil, err
	}
	const head = 24
	if len(body) < head {
		return nil, errFrame
	}
	q := &request{
		id:          binary.LittleEndian.Uint64(body[0:]),
		op:          body[8],
		iterations:  binary.LittleEndian.Uint32(body[9:]),
		memoryKiB:   binary.LittleEndian.Uint32(body[13:]),
		parallelism: body[17],
		keyLen:      binary.LittleEndian.Uint32(body[18:]),
	}
	saltLen := int(binary.LittleEndian.Uint16(body[22:]))
	if len(body) < head+saltLen {
		return nil, errFrame
	}
	q.salt = body[head : head+saltLen]
	q.password = body[head+saltLen:]
	return q, nil
}

// appendResponse appends p's frame.
func appendResponse(b []byte, p *response) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(8+1+len(p.key))) //nolint:gosec // G115: the key is keyLen <= maxKey bytes of a valid request, or none
	b = binary.LittleEndian.AppendUint64(b, p.id)
	if p.ok {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return append(b, p.key...)
}

// readResponse reads one response frame.
func readResponse(r io.Reader) (*response, error) {
	body, err := readFrame(r)
	if err != nil {
		return nil, err
	}
	if len(body) < 9 || len(body)-9 > maxKey {
		return nil, errFrame
	}
	return &response{id: binary.LittleEndian.Uint64(body), ok: body[8] == 1, key: body[9:]}, nil
}

func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, fmt.Errorf("%w: %d bytes", errFrame, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}
