package io.gpufleet.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's HTTP API on Vert.x: the kube-scheduler extender endpoints ({@code /scheduler/*}), the REST API
 * ({@code /api/v1}), {@code /metrics} and open health checks. Handlers parse and check requests on the event
 * loop and hand the work to the {@link DecisionLoop}; they never touch the scheduler themselves.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final Vertx vertx;
    private final DecisionLoop loop;
    private final SchedulerMetrics metrics;
    private final TokenFile tokens;
    private final ServerConfig config;
    private final String openapi;
    private final java.util.function.BooleanSupplier acting;
    private HttpServer server;

    /** Access an endpoint needs. */
    private enum Access { OPEN, USER, EXTENDER }

    public ApiServer(Vertx vertx, DecisionLoop loop, SchedulerMetrics metrics, TokenFile tokens, ServerConfig config) {
        this(vertx, loop, metrics, tokens, config, () -> true);
    }

    /**
     * @param acting whether this replica acts (Kubernetes mode: holds the lease); {@code /readyz} answers 503
     *               otherwise, so a Service sends API traffic to the leader only
     */
    public ApiServer(Vertx vertx, DecisionLoop loop, SchedulerMetrics metrics, TokenFile tokens, ServerConfig config,
                     java.util.function.BooleanSupplier acting) {
        this.acting = acting;
        this.vertx = vertx;
        this.loop = loop;
        this.metrics = metrics;
        this.tokens = tokens;
        this.config = config;
        this.openapi = resource("openapi.json");
    }

    private static String resource(String name) {
        try (InputStream in = ApiServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts listening; returns the bound port. */
    public int start() {
        HttpServerOptions opts = new HttpServerOptions().setPort(config.port()).setHost(config.host())
                .setCompressionSupported(true);
        if (config.tlsCert() != null) {
            opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(config.tlsCert().toString()).setKeyPath(config.tlsKey().toString()));
        }
        try {
            server = vertx.createHttpServer(opts).requestHandler(router()).listen().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        return server.actualPort();
    }

    public int port() {
        return server.actualPort();
    }

    Router router() {
        Router r = Router.router(vertx);
        r.route().handler(BodyHandler.create(false).setBodyLimit(config.bodyLimit()).setHandleFileUploads(false));

        r.get("/healthz").handler(ctx -> json(ctx, 200, Map.of("status", "ok")));
        r.get("/readyz").handler(ctx -> {
            long t0 = System.nanoTime();
            if (!acting.getAsBoolean()) {
                error(ctx, new ApiException(503, "not the leader: another replica holds the lease"));
                return;
            }
            reply(ctx, "/readyz", t0, 200, loop.call(s -> Map.of("status", "ready", "nodes", s.nodeNames().size())));
        });
        r.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", metrics.contentType()).end(metrics.scrape()));
        r.get("/api/v1/openapi.json").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(openapi));

        // Scheduler extender (kube-scheduler's webhook protocol).
        post(r, "/scheduler/filter", Access.EXTENDER, (ctx, p) -> {
            JsonNode body = Json.tree(body(ctx));
            ExtenderProtocol.Args args = ExtenderProtocol.args(body);
            JsonNode nodes = ExtenderProtocol.field(body, "Nodes");
            return loop.call(s -> s.extenderFilter(args.pod(), args.nodeNames()))
                    .thenApply(res -> ExtenderProtocol.filterResult(args, res, nodes));
        });
        post(r, "/scheduler/prioritize", Access.EXTENDER, (ctx, p) -> {
            ExtenderProtocol.Args args = ExtenderProtocol.args(Json.tree(body(ctx)));
            return loop.call(s -> s.extenderPrioritize(args.pod(), args.nodeNames())).thenApply(ExtenderProtocol::priorities);
        });
        post(r, "/scheduler/bind", Access.EXTENDER, (ctx, p) -> {
            ExtenderProtocol.Binding b = ExtenderProtocol.binding(Json.tree(body(ctx)));
            return loop.call(s -> s.extenderBind(b.podNamespace(), b.podName(), b.node()))
                    .thenApply(err -> Map.of("Error", err == null ? "" : err));
        });
        post(r, "/scheduler/preempt", Access.EXTENDER, (ctx, p) -> {
            ExtenderProtocol.Preemption pa = ExtenderProtocol.preemption(Json.tree(body(ctx)));
            return loop.call(s -> {
                Map<String, List<String>> candidates = new LinkedHashMap<>();
                pa.victimUids().forEach((node, uids) -> {
                    List<String> keys = new ArrayList<>(pa.victims().getOrDefault(node, List.of()));
                    if (keys.isEmpty()) for (String uid : uids) {
                        String k = s.podOfUid(uid);
                        if (k != null) keys.add(k);
                    }
                    candidates.put(node, keys);
                });
                return ExtenderProtocol.preemptionResult(s.extenderPreempt(pa.pod(), candidates), pa.victimUids());
            });
        });

        // REST API.
        post(r, "/api/v1/jobs", Access.USER, (ctx, p) -> {
            JobSpec spec = Json.read(body(ctx), JobSpec.class);
            return loop.call(s -> s.submitJob(p, spec));
        }, 201);
        get(r, "/api/v1/jobs", (ctx, p) -> {
            String ns = ctx.queryParams().get("namespace");
            return loop.call(s -> s.listJobs(p, ns));
        });
        get(r, "/api/v1/jobs/:namespace/:name", (ctx, p) -> {
            String id = ctx.pathParam("namespace") + "/" + ctx.pathParam("name");
            return loop.call(s -> s.getJob(p, id));
        });
        route(r, HttpMethod.DELETE, "/api/v1/jobs/:namespace/:name", Access.USER, (ctx, p) -> {
            String id = ctx.pathParam("namespace") + "/" + ctx.pathParam("name");
            return loop.call(s -> s.deleteJob(p, id));
        }, 200);
        get(r, "/api/v1/nodes", (ctx, p) -> loop.call(s -> s.nodes(p)));
        get(r, "/api/v1/nodes/:name", (ctx, p) -> {
            String n = ctx.pathParam("name");
            return loop.call(s -> s.node(p, n));
        });
        route(r, HttpMethod.PUT, "/api/v1/nodes/:name/gpus/:index/health", Access.USER, (ctx, p) -> {
            if (!p.admin()) throw ApiException.forbidden("only admins change GPU health");
            String n = ctx.pathParam("name");
            int idx;
            try {
                idx = Integer.parseInt(ctx.pathParam("index"));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("GPU index '" + ctx.pathParam("index") + "' is not an integer");
            }
            Health h = Json.read(body(ctx), Health.class);
            if (h.healthy() == null) throw ApiException.badRequest("field 'healthy' is required");
            return loop.call(s -> {
                List<String> pods = s.setGpuHealth(n, idx, h.healthy()).stream().map(a -> a.pod()).toList();
                return Map.of("node", n, "index", idx, "healthy", h.healthy(), "podsOnGpu", pods);
            });
        }, 200);
        get(r, "/api/v1/quotas", (ctx, p) -> loop.call(s -> s.quotas(p)));
        get(r, "/api/v1/quotas/:name", (ctx, p) -> {
            String n = ctx.pathParam("name");
            return loop.call(s -> s.quota(p, n));
        });
        route(r, HttpMethod.PUT, "/api/v1/quotas/:name", Access.USER, (ctx, p) -> {
            if (!p.admin()) throw ApiException.forbidden("only admins change quotas");
            QuotaInput in = Json.read(body(ctx), QuotaInput.class);
            String n = ctx.pathParam("name");
            return loop.call(s -> s.putQuota(p, n, in));
        }, 200);
        route(r, HttpMethod.DELETE, "/api/v1/quotas/:name", Access.USER, (ctx, p) -> {
            if (!p.admin()) throw ApiException.forbidden("only admins change quotas");
            String n = ctx.pathParam("name");
            return loop.call(s -> s.deleteQuota(p, n));
        }, 200);
        post(r, "/api/v1/whatif", Access.USER, (ctx, p) -> {
            JobSpec spec = Json.read(body(ctx), JobSpec.class);
            return loop.call(s -> s.whatIf(p, spec));
        });

        r.errorHandler(413, ctx -> error(ctx, new ApiException(413, "request body is larger than " + config.bodyLimit() + " bytes")));
        r.errorHandler(404, ctx -> error(ctx, ApiException.notFound("no endpoint " + ctx.request().method() + " " + ctx.request().path())));
        r.errorHandler(405, ctx -> error(ctx, new ApiException(405, "method " + ctx.request().method() + " is not allowed on " + ctx.request().path())));
        r.errorHandler(400, ctx -> error(ctx, ApiException.badRequest(ctx.failure() == null ? "bad request" : ctx.failure().getMessage())));
        r.errorHandler(500, ctx -> {
            Throwable t = ctx.failure();
            if (t instanceof ApiException a) {
                error(ctx, a);
            } else {
                LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), t);
                error(ctx, new ApiException(500, "internal error: " + (t == null ? "unknown" : t.getClass().getSimpleName())));
            }
        });
        return r;
    }

    /** Body of {@code PUT .../health}. */
    record Health(Boolean healthy) {}

    private interface Handler {
        CompletableFuture<?> handle(RoutingContext ctx, Principal p);
    }

    private void get(Router r, String path, Handler h) {
        route(r, HttpMethod.GET, path, Access.USER, h, 200);
    }

    private void post(Router r, String path, Access access, Handler h) {
        route(r, HttpMethod.POST, path, access, h, 200);
    }

    private void post(Router r, String path, Access access, Handler h, int ok) {
        route(r, HttpMethod.POST, path, access, h, ok);
    }

    private void route(Router r, HttpMethod method, String path, Access access, Handler h, int ok) {
        r.route(method, path).handler(ctx -> {
            long t0 = System.nanoTime();
            try {
                Principal p = authenticate(ctx, access);
                if (method != HttpMethod.GET && method != HttpMethod.DELETE) {
                    String ct = ctx.request().getHeader("Content-Type");
                    if (ct != null && !ct.toLowerCase().contains("json")) {
                        throw new ApiException(415, "Content-Type " + ct + " is not supported; send application/json");
                    }
                }
                reply(ctx, path, t0, ok, h.handle(ctx, p));
            } catch (ApiException e) {
                observe(path, e.status(), t0);
                error(ctx, e);
            }
        });
    }

    private Principal authenticate(RoutingContext ctx, Access access) {
        if (tokens == null || access == Access.OPEN) return Principal.OPEN;
        if (access == Access.EXTENDER && config.extenderOpen()) return Principal.OPEN;
        String h = ctx.request().getHeader("Authorization");
        if (h == null || h.isBlank()) throw new ApiException(401, "missing bearer token (Authorization: Bearer <token>)");
        if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) throw new ApiException(401, "Authorization header is not a bearer token");
        Principal p = tokens.lookup(h.substring(7).trim());
        if (p == null) throw new ApiException(401, "unknown bearer token");
        if (access == Access.EXTENDER && !p.admin()) throw ApiException.forbidden("the extender endpoints need an admin token");
        return p;
    }

    private static String body(RoutingContext ctx) {
        return ctx.body() == null ? null : ctx.body().asString();
    }

    private void reply(RoutingContext ctx, String route, long t0, int ok, CompletableFuture<?> work) {
        Future.fromCompletionStage(work, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
            if (ar.succeeded()) {
                String out;
                try {
                    out = Json.write(ar.result());
                } catch (RuntimeException e) {
                    observe(route, 500, t0);
                    ctx.fail(500, e);
                    return;
                }
                observe(route, ok, t0);
                ctx.response().setStatusCode(ok).putHeader("Content-Type", "application/json").end(out);
            } else {
                Throwable t = ar.cause();
                while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
                if (t instanceof ApiException a) {
                    observe(route, a.status(), t0);
                    error(ctx, a);
                } else {
                    observe(route, 500, t0);
                    ctx.fail(500, t);
                }
            }
        });
    }

    private void observe(String route, int status, long t0) {
        metrics.httpSeconds.labelValues(route, (status / 100) + "xx").observe((System.nanoTime() - t0) / 1e9);
    }

    private static void error(RoutingContext ctx, ApiException e) {
        if (ctx.response().ended()) return;
        if (e.status() == 401) ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"gpufleet\"");
        ctx.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json").end(Json.write(e.body()));
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.write(body));
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close().await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("closing the HTTP server: {}", e.getMessage());
            }
        }
    }

}
