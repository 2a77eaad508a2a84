package cos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// 16 goroutines share one Client: put, get, head and list, each on its own keys and on shared ones.
func TestSixteenGoroutinesOnOneClient(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "conc")
	const workers, rounds = 16, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs <- func() error {
				for r := 0; r < rounds; r++ {
					key := fmt.Sprintf("w%02d/r%02d", w, r)
					data := pattern(1000+w*100+r, w+r)
					put, err := c.PutObject(ctx, bucket, key, data, &RequestOptions{Metadata: map[string]string{"worker": fmt.Sprint(w)}})
					if err != nil {
						return fmt.Errorf("put %s: %w", key, err)
					}
					got, info, err := c.GetObject(ctx, bucket, key, nil)
					if err != nil {
						return fmt.Errorf("get %s: %w", key, err)
					}
					if !bytes.Equal(got, data) || info.CRC64 != put.CRC64 {
						return fmt.Errorf("get %s: wrong bytes", key)
					}
					head, err := c.HeadObject(ctx, bucket, key, nil)
					if err != nil || head.Metadata["worker"] != fmt.Sprint(w) {
						return fmt.Errorf("head %s: %v %v", key, head, err)
					}
					it := c.List(ctx, bucket, &ListOptions{Prefix: fmt.Sprintf("w%02d/", w), PageSize: 5})
					n := 0
					for it.Next() {
						n++
					}
					it.Close()
					if it.Err() != nil || n != r+1 {
						return fmt.Errorf("list w%02d: %d keys, %v", w, n, it.Err())
					}
					var buf bytes.Buffer
					if _, err := c.Get(ctx, bucket, key, &buf, nil); err != nil || !bytes.Equal(buf.Bytes(), data) {
						return fmt.Errorf("stream get %s: %v", key, err)
					}
				}
				return nil
			}()
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	it := c.List(ctx, bucket, nil)
	n := 0
	for it.Next() {
		n++
	}
	if it.Err() != nil || n != workers*rounds {
		t.Fatalf("%d objects in the end, %v", n, it.Err())
	}
}

// Close while 16 goroutines are calling: every call either works or fails with ErrClosed; nothing crashes.
func TestCloseWhileGoroutinesCall(t *testing.T) {
	ctx := context.Background()
	c, err := NewClient(testConfig(emulatorAddr(t, envEmulator)))
	if err != nil {
		t.Fatal(err)
	}
	bucket := newBucket(t, c, "closing")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unexpected []error
	var ok, closed int
	start := make(chan struct{})
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			<-start
			for r := 0; ; r++ {
				key := fmt.Sprintf("c%02d/%d", w, r)
				_, err := c.PutObject(ctx, bucket, key, []byte(key), nil)
				if err == nil {
					_, err = c.HeadObject(ctx, bucket, key, nil)
				}
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrClosed):
					closed++
				default:
					unexpected = append(unexpected, err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}(w)
	}
	close(start)
	for {
		mu.Lock()
		n := ok
		mu.Unlock()
		if n >= 32 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	c.Close()
	wg.Wait()
	if len(unexpected) > 0 || closed != 16 {
		t.Fatalf("%d ok, %d closed, unexpected: %v", ok, closed, unexpected)
	}
}
