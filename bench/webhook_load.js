#!/usr/bin/env node
// The single-send load of the webhook benchmark, and its webhook receiver,
// in one process so that the time from a request to its message's final
// status webhook is read on one clock.
//
//   node bench/webhook_load.js BASE_URL API_KEY RECEIVER_PORT MESSAGES MODE
//
// MODE "closed:N": N requests in flight (keep-alive) until MESSAGES were sent.
// MODE "open:R":   R requests a second, each on its own schedule, whatever
//                  the answers.
// With RECEIVER_PORT 0 there is no receiver and the run ends with the last
// answer (per_second counts accepted messages). The receiver answers 200 to every POST and notes, per message, when its
// first final-status event came. Prints one JSON line: {"sent", "accepted",
// "refused", "final", "duplicates", "seconds" (first request to the last
// final event), "per_second", "http_p50_ms", "http_p99_ms", "final_p50_ms",
// "final_p99_ms" (request start to final event)} once every accepted message
// has its final event (or 120 s pass without a new one).
'use strict';
const http = require('http');

const [base, apiKey, receiverPort, total, mode] = process.argv.slice(2);
const messages = Number(total);
const [kind, amount] = mode.split(':');
const url = new URL(base);
const agent = new http.Agent({keepAlive: true, maxSockets: 64});
const FINAL = new Set(['message.delivered', 'message.undelivered', 'message.expired',
                       'message.rejected', 'message.failed']);

const startedAt = new Map();  // message id -> request start (ms)
const finalAt = new Map();    // message id -> first final event (ms)
const httpMs = [];
let sent = 0, accepted = 0, refused = 0, duplicates = 0, first = 0, last = 0, lastEvent = 0;
let requestsDone = false, lastAnswer = 0;

function percentile(values, p) {
    if (!values.length) return null;
    const sorted = values.slice().sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
        const now = performance.now();
        res.writeHead(200, {'Content-Length': '0'});
        res.end();
        try {
            const event = JSON.parse(Buffer.concat(chunks).toString());
            if (!FINAL.has(event.type)) return;
            const id = event.data.message.id;
            if (finalAt.has(id)) {
                duplicates++;
                return;
            }
            finalAt.set(id, now);
            last = now;
            lastEvent = Date.now();
            maybeFinish();
        } catch (e) {
            // not an event of ours
        }
    });
});
receiver.keepAliveTimeout = 60000;

function send(done) {
    const n = sent++;
    const body = JSON.stringify({to: '+2547' + String(10000000 + n).slice(-8), body: 'Bench ' + n});
    const start = performance.now();
    if (!first) first = start;
    const req = http.request({host: url.hostname, port: url.port, path: '/api/v1/messages',
                              method: 'POST', agent,
                              headers: {'Authorization': 'ApiKey ' + apiKey,
                                        'Content-Type': 'application/json',
                                        'Content-Length': Buffer.byteLength(body)}},
                             (res) => {
                                 const chunks = [];
                                 res.on('data', (c) => chunks.push(c));
                                 res.on('end', () => {
                                     lastAnswer = performance.now();
                                     httpMs.push(lastAnswer - start);
                                     if (res.statusCode === 201) {
                                         accepted++;
                                         const id = JSON.parse(Buffer.concat(chunks)).data.id;
                                         startedAt.set(id, start);
                                     } else {
                                         refused++;
                                     }
                                     done();
                                 });
                             });
    req.on('error', () => {
        refused++;
        done();
    });
    req.end(body);
}

function closedLoop(inFlight) {
    let active = 0;
    const next = () => {
        while (active < inFlight && sent < messages) {
            active++;
            send(() => {
                active--;
                if (sent < messages) next();
                else if (active === 0) requestsFinished();
            });
        }
    };
    next();
}

function openLoop(rate) {
    const t0 = performance.now();
    let answered = 0;
    const tick = () => {
        const due = Math.min(messages, Math.floor((performance.now() - t0) * rate / 1000));
        while (sent < due) send(() => {
            if (++answered === messages) requestsFinished();
        });
        if (sent < messages) setTimeout(tick, 1);
    };
    tick();
}

function requestsFinished() {
    requestsDone = true;
    maybeFinish();
}

function maybeFinish() {
    if (!requestsDone) return;
    if (!listening) return report();
    for (const id of startedAt.keys()) if (!finalAt.has(id)) return;
    report();
}

function report() {
    const toFinal = [];
    for (const [id, start] of startedAt)
        if (finalAt.has(id)) toFinal.push(finalAt.get(id) - start);
    if (!listening) last = lastAnswer;
    const seconds = (last - first) / 1000;
    console.log(JSON.stringify({
        sent, accepted, refused, final: finalAt.size, duplicates, seconds,
        per_second: seconds > 0 ? (listening ? finalAt.size : accepted) / seconds : 0,
        http_p50_ms: percentile(httpMs, 0.5), http_p99_ms: percentile(httpMs, 0.99),
        final_p50_ms: percentile(toFinal, 0.5), final_p99_ms: percentile(toFinal, 0.99),
    }));
    process.exit(0);
}

// A run that stops hearing events reports what it has.
setInterval(() => {
    if (requestsDone && lastEvent && Date.now() - lastEvent > 120000) report();
}, 1000);

function load() {
    if (kind === 'closed') closedLoop(Number(amount));
    else openLoop(Number(amount));
}

// Port 0: no receiver, the figures end with the last answer.
const listening = Number(receiverPort) !== 0;
if (listening) receiver.listen(Number(receiverPort), '127.0.0.1', load);
else load();
