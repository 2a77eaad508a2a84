package cos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// mint asks the emulator for a temporary key (its CVM metadata service shape).
func mint(addr string, ttl time.Duration) (Credentials, error) {
	resp, err := http.Post(fmt.Sprintf("http://%s/__emulator/credentials?ttl_ms=%d", addr, ttl.Milliseconds()), "text/plain", nil)
	if err != nil {
		return Credentials{}, err
	}
	defer resp.Body.Close()
	var v struct {
		TmpSecretID  string `json:"TmpSecretId"`
		TmpSecretKey string
		Token        string
		ExpiredTime  int64
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return Credentials{}, err
	}
	return Credentials{SecretID: v.TmpSecretID, SecretKey: v.TmpSecretKey, SessionToken: v.Token, Expires: time.Unix(v.ExpiredTime, 0)}, nil
}

func TestCredentialsProvider(t *testing.T) {
	ctx := context.Background()
	addr := emulatorAddr(t, envEmulator)
	var calls int64
	cfg := Config{Region: region, Scheme: "http", Address: addr, Credentials: func() (Credentials, error) {
		atomic.AddInt64(&calls, 1)
		return mint(addr, 2*time.Second)
	}}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bucket := newBucket(t, c, "creds")
	if _, err := c.PutObject(ctx, bucket, "k", []byte("temporary"), nil); err != nil {
		t.Fatalf("with minted credentials: %v", err)
	}
	// The 2 s key is refreshed about 1 s before it expires: requests after 2.5 s still work.
	time.Sleep(2500 * time.Millisecond)
	if got := string(mustGet(t, c, bucket, "k")); got != "temporary" {
		t.Fatalf("%q", got)
	}
	if n := atomic.LoadInt64(&calls); n < 2 {
		t.Fatalf("the provider was called %d times", n)
	}

	// A provider that fails, or panics, fails the request with its reason.
	cfg.Credentials = func() (Credentials, error) { return Credentials{}, errors.New("vault sealed") }
	bad, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.PutObject(ctx, bucket, "k2", []byte("x"), nil)
	var ce *ClientError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "vault sealed") {
		t.Fatalf("failing provider: %v", err)
	}
	cfg.Credentials = func() (Credentials, error) { panic("provider exploded") }
	worse, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer worse.Close()
	_, err = worse.PutObject(ctx, bucket, "k3", []byte("x"), nil)
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "provider exploded") {
		t.Fatalf("panicking provider: %v", err)
	}
	assertMissing(t, c, bucket, "k2")
}
