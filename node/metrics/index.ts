export { createPrometheusRegistry, type MetricsSource, type PrometheusOptions } from './prometheus.js';
export { PrometheusServer, parseListenAddr } from './prometheus-server.js';
