#!/usr/bin/env node
// An ESME on the npm `smpp` package (code we did not write), the client
// side of the `ujumbe smsc` tests. It binds, submits, answers every
// deliver_sm, and prints one JSON line per event:
//
//   --port N                    the SMSC's port on 127.0.0.1
//   --system-id S --password P  the credentials of the bind
//   --mode transceiver|transmitter|receiver   (default transceiver)
//   --submit N                  submit_sm to send after the bind (default 0)
//   --text T --to D --from F    their fields
//   --registered-delivery N     the submits' registered_delivery (default 1)
//   --long udh|payload          send the text as one long message: in UDH
//                               parts of 153 characters, or in message_payload
//   --deliveries N              deliver_sm to wait for before unbinding (default 0)
//   --timeout-ms N              give up after this long (default 10000)
//   --tls-ca FILE               connect over TLS, trusting this PEM certificate
//
// Events: {"event": "bind_resp", "status": n}, {"event": "submit_sm_resp",
// "status": n, "message_id": s}, {"event": "deliver_sm", ...fields},
// {"event": "timeout"}, {"event": "done"}.
'use strict';
const smpp = require('smpp');

function options(argv) {
    const o = {port: 2775, systemId: 'esme', password: 'secret', mode: 'transceiver', submit: 0,
               text: 'Hello', to: '255712345678', from: 'Ujumbe', deliveries: 0, timeoutMs: 10000,
               registeredDelivery: 1, long: '', tlsCa: null};
    for (let i = 2; i < argv.length; i += 2) {
        const key = argv[i], value = argv[i + 1];
        if (value === undefined) throw new Error('missing value for ' + key);
        switch (key) {
            case '--port': o.port = Number(value); break;
            case '--system-id': o.systemId = value; break;
            case '--password': o.password = value; break;
            case '--mode': o.mode = value; break;
            case '--submit': o.submit = Number(value); break;
            case '--text': o.text = value; break;
            case '--to': o.to = value; break;
            case '--from': o.from = value; break;
            case '--deliveries': o.deliveries = Number(value); break;
            case '--timeout-ms': o.timeoutMs = Number(value); break;
            case '--registered-delivery': o.registeredDelivery = Number(value); break;
            case '--long': o.long = value; break;
            case '--tls-ca': o.tlsCa = value; break;
            default: throw new Error('unknown option ' + key);
        }
    }
    return o;
}

const opt = options(process.argv);
const print = (entry) => process.stdout.write(JSON.stringify(entry) + '\n');
let answered = 0, delivered = 0, finished = false;

const session = opt.tlsCa
    ? smpp.connect({url: 'ssmpp://127.0.0.1:' + opt.port, ca: require('fs').readFileSync(opt.tlsCa)})
    : smpp.connect({url: 'smpp://127.0.0.1:' + opt.port});

function finish(event) {
    if (finished) return;
    finished = true;
    print({event});
    session.unbind(() => { session.close(); process.exit(0); });
    setTimeout(() => process.exit(0), 1000);
}

function maybeDone() {
    if (answered >= opt.submit * submits().length && delivered >= opt.deliveries) finish('done');
}

setTimeout(() => finish('timeout'), opt.timeoutMs);
session.on('error', (err) => { print({event: 'error', error: String(err && err.message || err)});
                               process.exit(1); });
session.on('close', () => { if (!finished) { print({event: 'closed'}); process.exit(0); } });

session.on('deliver_sm', (pdu) => {
    const sm = pdu.short_message;
    const text = sm && typeof sm === 'object' && !Buffer.isBuffer(sm) ? sm.message : sm;
    const udh = sm && sm.udh ? sm.udh.map((b) => Buffer.from(b).toString('hex')).join(',') : '';
    print({event: 'deliver_sm', esm_class: pdu.esm_class, data_coding: pdu.data_coding,
           source_addr: pdu.source_addr, destination_addr: pdu.destination_addr,
           text: Buffer.isBuffer(text) ? text.toString('latin1') : String(text || ''), udh,
           receipted_message_id: pdu.receipted_message_id, message_state: pdu.message_state});
    session.send(pdu.response());
    ++delivered;
    maybeDone();
});

// The submit_sm PDUs of one message: one, or UDH parts, or one with
// message_payload.
function submits() {
    const base = {source_addr: opt.from, source_addr_ton: /^\d+$/.test(opt.from) ? 1 : 5,
                  destination_addr: opt.to, dest_addr_ton: 1, dest_addr_npi: 1,
                  registered_delivery: opt.registeredDelivery};
    if (opt.long === 'payload') return [Object.assign({message_payload: opt.text}, base)];
    if (opt.long !== 'udh') return [Object.assign({short_message: opt.text}, base)];
    const parts = [];
    for (let at = 0; at < opt.text.length; at += 153) parts.push(opt.text.slice(at, at + 153));
    const ref = 0x42;
    return parts.map((text, i) => Object.assign({
        esm_class: 0x40,
        short_message: {udh: Buffer.from([0x05, 0x00, 0x03, ref, parts.length, i + 1]),
                        message: text}}, base));
}

function submitOne() {
    for (const pdu of submits()) {
        session.submit_sm(pdu, (resp) => {
            print({event: 'submit_sm_resp', status: resp.command_status,
                   message_id: resp.message_id});
            ++answered;
            maybeDone();
        });
    }
}

session.on('connect', () => {
    session['bind_' + opt.mode]({system_id: opt.systemId, password: opt.password}, (pdu) => {
        print({event: 'bind_resp', status: pdu.command_status});
        if (pdu.command_status !== 0) {
            finished = true;
            session.close();
            process.exit(0);
        }
        for (let i = 0; i < opt.submit; ++i) submitOne();
        maybeDone();
    });
});
