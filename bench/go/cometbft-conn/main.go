// Command cometbft-conn measures CometBFT v0.38's own p2p/conn stack (SecretConnection and
// MConnection, driven directly, over loopback TCP; both ends in this process unless `echo` is told
// otherwise) for `npm run bench`.
// It is benchmark tooling only: it prints one JSON object per measurement on stdout.
//
//	cometbft-conn messages -size 200 -count 300000 [-flush 1ms]
//	cometbft-conn echo -count 3000 [-flush 0]
//	cometbft-conn echo -serve -count 3000 (prints its address; the echoing end alone), and
//	cometbft-conn echo -count 3000 -connect <address> (the pinging end, in another process)
//	cometbft-conn setups -inflight 8 -duration 3s
//	cometbft-conn sc-bulk -size 1048576 -count 200
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/libs/protoio"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/conn"
	tmp2p "github.com/cometbft/cometbft/proto/tendermint/p2p"
)

const benchChannel = byte(0x40)

// sourceHash is set at build time (install-cometbft-conn.sh) so a stale cached binary is rebuilt.
var sourceHash = "dev"

type result struct {
	Case       string  `json:"case"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Ops        int     `json:"ops"`
	Seconds    float64 `json:"seconds"`
	CPUMsPerOp float64 `json:"cpuMsPerOp"`
	P50Ms      float64 `json:"p50Ms,omitempty"`
	P99Ms      float64 `json:"p99Ms,omitempty"`
	Bytes      int64   `json:"bytes,omitempty"`
}

// cpuSeconds is the CPU time (user + system) of this whole process: both ends of every connection.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "cometbft-conn: "+format+"\n", args...)
	os.Exit(1)
}

func emit(r result) {
	out, err := json.Marshal(r)
	if err != nil {
		fail("json: %v", err)
	}
	fmt.Println(string(out))
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func listen() net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	return l
}

// securedPair is one loopback TCP connection with a SecretConnection handshake done on both ends.
func securedPair() (client, server *conn.SecretConnection) {
	l := listen()
	defer l.Close()
	accepted := make(chan *conn.SecretConnection, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			fail("accept: %v", err)
		}
		sc, err := conn.MakeSecretConnection(c, ed25519.GenPrivKey())
		if err != nil {
			fail("server handshake: %v", err)
		}
		accepted <- sc
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fail("dial: %v", err)
	}
	client, err = conn.MakeSecretConnection(c, ed25519.GenPrivKey())
	if err != nil {
		fail("client handshake: %v", err)
	}
	return client, <-accepted
}

func mconnConfig(flush time.Duration) conn.MConnConfig {
	cfg := conn.DefaultMConnConfig()
	// Rate limits off: the stack's own ceiling, as the tmp2p side runs with send_rate = recv_rate = 0.
	cfg.SendRate = 1 << 40
	cfg.RecvRate = 1 << 40
	cfg.FlushThrottle = flush
	return cfg
}

func channels() []*conn.ChannelDescriptor {
	return []*conn.ChannelDescriptor{{ID: benchChannel, Priority: 1, SendQueueCapacity: 1000, RecvMessageCapacity: 4 << 20}}
}

// stopping is set once the measurement is over: closing one end makes the other report EOF.
var stopping atomic.Bool

func onError(r interface{}) {
	if !stopping.Load() {
		fail("mconnection error: %v", r)
	}
}

// newMConnection also gives the connection and its channels a logger (channels have none otherwise).
func newMConnection(sc *conn.SecretConnection, onReceive func(byte, []byte), flush time.Duration) *conn.MConnection {
	mc := conn.NewMConnectionWithConfig(sc, channels(), onReceive, onError, mconnConfig(flush))
	mc.SetLogger(log.NewNopLogger())
	return mc
}

// messages: `count` messages of `size` bytes one way, timed until the receiver has them all.
func messages(args []string) {
	fs := flag.NewFlagSet("messages", flag.ExitOnError)
	size := fs.Int("size", 200, "message size in bytes")
	count := fs.Int("count", 100000, "messages")
	flush := fs.Duration("flush", time.Millisecond, "MConnection flush throttle")
	label := fs.String("case", "", "case name")
	_ = fs.Parse(args)
	client, server := securedPair()
	var received int64
	var receivedBytes int64
	done := make(chan struct{})
	target := int64(*count)
	receiver := newMConnection(server, func(_ byte, msg []byte) {
		atomic.AddInt64(&receivedBytes, int64(len(msg)))
		if atomic.AddInt64(&received, 1) == target {
			close(done)
		}
	}, *flush)
	sender := newMConnection(client, func(byte, []byte) {}, *flush)
	if err := receiver.Start(); err != nil {
		fail("start: %v", err)
	}
	if err := sender.Start(); err != nil {
		fail("start: %v", err)
	}
	payload := make([]byte, *size)
	for i := range payload {
		payload[i] = 7
	}
	cpu0, t0 := cpuSeconds(), time.Now()
	for i := 0; i < *count; i++ {
		for !sender.Send(benchChannel, payload) {
		}
	}
	<-done
	seconds, cpu := time.Since(t0).Seconds(), cpuSeconds()-cpu0
	stopping.Store(true)
	_ = sender.Stop()
	_ = receiver.Stop()
	emit(result{Case: *label, Value: float64(*count) / seconds, Unit: "msg/s", Ops: *count, Seconds: seconds, CPUMsPerOp: cpu * 1000 / float64(*count), Bytes: receivedBytes})
}

// echo: one message in flight at a time, echoed back by the other end; round-trip percentiles.
// Both ends run in this process unless -serve / -connect split them over two processes.
func echo(args []string) {
	fs := flag.NewFlagSet("echo", flag.ExitOnError)
	count := fs.Int("count", 3000, "round trips timed")
	warmup := fs.Int("warmup", 2000, "round trips before timing")
	flush := fs.Duration("flush", 0, "MConnection flush throttle")
	serve := fs.Bool("serve", false, "only the echoing end: print the listen address, echo until stdin closes, then print the CPU it used after -warmup echoes")
	connect := fs.String("connect", "", "only the pinging end, against the -serve process at this address")
	_ = fs.Parse(args)
	if *serve {
		serveEcho(*warmup, *count, *flush)
		return
	}
	var client *conn.SecretConnection
	if *connect != "" {
		client = dialSecured(*connect)
	} else {
		var server *conn.SecretConnection
		client, server = securedPair()
		startEchoer(server, *flush, func() {})
	}
	back := make(chan struct{}, 1)
	pinger := newMConnection(client, func(byte, []byte) { back <- struct{}{} }, *flush)
	if err := pinger.Start(); err != nil {
		fail("start: %v", err)
	}
	ping := []byte("rtt-ping-0123456789")
	samples := make([]float64, 0, *count)
	var cpu0 float64
	var t0 time.Time
	for i := 0; i < *warmup+*count; i++ {
		if i == *warmup {
			cpu0, t0 = cpuSeconds(), time.Now()
		}
		start := time.Now()
		pinger.Send(benchChannel, ping)
		<-back
		if i >= *warmup {
			samples = append(samples, float64(time.Since(start).Nanoseconds())/1e6)
		}
	}
	seconds, cpu := time.Since(t0).Seconds(), cpuSeconds()-cpu0
	stopping.Store(true)
	_ = pinger.Stop()
	sort.Float64s(samples)
	emit(result{Case: "echo", Value: percentile(samples, 50), Unit: "ms", Ops: *count, Seconds: seconds, CPUMsPerOp: cpu * 1000 / float64(*count), P50Ms: percentile(samples, 50), P99Ms: percentile(samples, 99)})
}

// serveEcho is the echoing end of `echo -serve`. Its CPU per round trip counts from the echo after
// the pinger's warm-up to the close of stdin, which the bench sends once the pinger has finished.
func serveEcho(warmup, count int, flush time.Duration) {
	l := listen()
	fmt.Println(l.Addr().String())
	c, err := l.Accept()
	if err != nil {
		fail("accept: %v", err)
	}
	_ = l.Close()
	sc, err := conn.MakeSecretConnection(c, ed25519.GenPrivKey())
	if err != nil {
		fail("server handshake: %v", err)
	}
	// The pinger hangs up when it is done; that EOF is the end of the run, not a failure.
	stopping.Store(true)
	var echoed int64
	var cpu0 atomic.Value
	startEchoer(sc, flush, func() {
		if atomic.AddInt64(&echoed, 1) == int64(warmup) {
			cpu0.Store(cpuSeconds())
		}
	})
	_, _ = io.Copy(io.Discard, os.Stdin)
	start, ok := cpu0.Load().(float64)
	if !ok {
		fail("the pinger hung up after %d echoes, before its %d warm-up round trips were over", atomic.LoadInt64(&echoed), warmup)
	}
	emit(result{Case: "echo-serve", Ops: count, CPUMsPerOp: (cpuSeconds() - start) * 1000 / float64(count)})
}

// startEchoer sends every message back on its channel, calling echoed before each reply.
func startEchoer(sc *conn.SecretConnection, flush time.Duration, echoed func()) {
	var echoer *conn.MConnection
	echoer = newMConnection(sc, func(ch byte, msg []byte) {
		echoed()
		echoer.Send(ch, append([]byte(nil), msg...))
	}, flush)
	if err := echoer.Start(); err != nil {
		fail("start: %v", err)
	}
}

func dialSecured(address string) *conn.SecretConnection {
	c, err := net.Dial("tcp", address)
	if err != nil {
		fail("dial: %v", err)
	}
	sc, err := conn.MakeSecretConnection(c, ed25519.GenPrivKey())
	if err != nil {
		fail("client handshake: %v", err)
	}
	return sc
}

func nodeInfo(key ed25519.PrivKey) p2p.DefaultNodeInfo {
	return p2p.DefaultNodeInfo{
		ProtocolVersion: p2p.NewProtocolVersion(8, 11, 0),
		DefaultNodeID:   p2p.PubKeyToID(key.PubKey()),
		ListenAddr:      "tcp://127.0.0.1:1",
		Network:         "bench",
		Version:         "bench",
		Channels:        []byte{benchChannel},
		Moniker:         "setup-bench",
		Other:           p2p.DefaultNodeInfoOther{TxIndex: "off", RPCAddress: ""},
	}
}

// exchangeNodeInfo is CometBFT's transport handshake: write ours and read theirs at once, then validate.
func exchangeNodeInfo(c io.ReadWriter, ours p2p.DefaultNodeInfo) error {
	errc := make(chan error, 2)
	go func() {
		_, err := protoio.NewDelimitedWriter(c).WriteMsg(ours.ToProto())
		errc <- err
	}()
	var pb tmp2p.DefaultNodeInfo
	go func() {
		_, err := protoio.NewDelimitedReader(c, p2p.MaxNodeInfoSize()).ReadMsg(&pb)
		errc <- err
	}()
	for i := 0; i < 2; i++ {
		if err := <-errc; err != nil {
			return err
		}
	}
	theirs, err := p2p.DefaultNodeInfoFromToProto(&pb)
	if err != nil {
		return err
	}
	if err := theirs.Validate(); err != nil {
		return err
	}
	return ours.CompatibleWith(theirs)
}

// setups: TCP connect + SecretConnection + NodeInfo exchange, then close; `inflight` dialers.
func setups(args []string) {
	fs := flag.NewFlagSet("setups", flag.ExitOnError)
	inflight := fs.Int("inflight", 8, "dialers, each with one setup in flight")
	duration := fs.Duration("duration", 3*time.Second, "how long to run")
	warmup := fs.Duration("warmup", time.Second, "setups before timing")
	_ = fs.Parse(args)
	l := listen()
	serverKey := ed25519.GenPrivKey()
	serverInfo := nodeInfo(serverKey)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(3 * time.Second))
				sc, err := conn.MakeSecretConnection(c, serverKey)
				if err != nil {
					return
				}
				if err := exchangeNodeInfo(sc, serverInfo); err != nil {
					return
				}
				// Wait for the dialer to hang up, as the accepting node would then drop the peer.
				_, _ = sc.Read(make([]byte, 1))
			}(c)
		}
	}()
	run := func(d time.Duration) (latencies []float64) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		until := time.Now().Add(d)
		for i := 0; i < *inflight; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := ed25519.GenPrivKey()
				info := nodeInfo(key)
				for time.Now().Before(until) {
					start := time.Now()
					c, err := net.Dial("tcp", l.Addr().String())
					if err != nil {
						fail("dial: %v", err)
					}
					sc, err := conn.MakeSecretConnection(c, key)
					if err != nil {
						fail("handshake: %v", err)
					}
					if err := exchangeNodeInfo(sc, info); err != nil {
						fail("node info: %v", err)
					}
					took := float64(time.Since(start).Nanoseconds()) / 1e6
					_ = c.Close()
					mu.Lock()
					latencies = append(latencies, took)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return latencies
	}
	run(*warmup)
	cpu0, t0 := cpuSeconds(), time.Now()
	latencies := run(*duration)
	seconds, cpu := time.Since(t0).Seconds(), cpuSeconds()-cpu0
	l.Close()
	sort.Float64s(latencies)
	n := len(latencies)
	emit(result{Case: fmt.Sprintf("setups, %d in flight", *inflight), Value: float64(n) / seconds, Unit: "setups/s", Ops: n, Seconds: seconds, CPUMsPerOp: cpu * 1000 / float64(n), P50Ms: percentile(latencies, 50), P99Ms: percentile(latencies, 99)})
}

// scBulk: bare SecretConnection, `count` writes of `size` bytes one way.
func scBulk(args []string) {
	fs := flag.NewFlagSet("sc-bulk", flag.ExitOnError)
	size := fs.Int("size", 1<<20, "bytes per write")
	count := fs.Int("count", 200, "writes")
	_ = fs.Parse(args)
	client, server := securedPair()
	total := int64(*size) * int64(*count)
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 64<<10)
		var got int64
		for got < total {
			n, err := server.Read(buf)
			if err != nil {
				fail("read: %v", err)
			}
			got += int64(n)
		}
		close(done)
	}()
	payload := make([]byte, *size)
	cpu0, t0 := cpuSeconds(), time.Now()
	for i := 0; i < *count; i++ {
		if _, err := client.Write(payload); err != nil {
			fail("write: %v", err)
		}
	}
	<-done
	seconds, cpu := time.Since(t0).Seconds(), cpuSeconds()-cpu0
	emit(result{Case: "sc-bulk", Value: float64(total) / seconds / 1e6, Unit: "MB/s", Ops: *count, Seconds: seconds, CPUMsPerOp: cpu * 1000 / float64(*count), Bytes: total})
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: cometbft-conn messages|echo|setups|sc-bulk [flags]")
	}
	switch os.Args[1] {
	case "messages":
		messages(os.Args[2:])
	case "echo":
		echo(os.Args[2:])
	case "setups":
		setups(os.Args[2:])
	case "sc-bulk":
		scBulk(os.Args[2:])
	case "version":
		fmt.Println(sourceHash)
	default:
		fail("unknown mode %q", os.Args[1])
	}
}
