#!/usr/bin/env node
// An SMSC simulator on the npm `smpp` package (code we did not write), for
// the SMPP interop tests. It accepts binds, answers submit_sm, sends
// delivery receipts and MO messages, and can be told to misbehave:
//
//   --port N              listen port (0: any); "listening N" is printed first
//   --system-id S --password P   the credentials a bind must carry
//   --id-base hex|decimal        submit_sm_resp message ids (default decimal)
//   --receipt-id-base hex|decimal  ids inside receipts (default: as --id-base)
//   --receipt-delay-ms N   delay before each receipt (default 20; -1: none)
//   --receipt-stat S       stat of every receipt (default DELIVRD)
//   --slow-ms N            delay every submit_sm_resp
//   --throttle-every N     answer every Nth submit_sm with ESME_RTHROTTLED
//   --reject-prefix P      destinations starting with P get ESME_RINVDSTADR
//   --refuse-status N      answer every submit_sm with command_status N (e.g. 8)
//   --drop-after N         close the connection on the Nth submit_sm, unanswered
//   --mute-enquire 1       never answer enquire_link (a dead peer)
//   --mo FROM:TO:TEXT      after a receiver/transceiver bind, send this MO
//                          (repeatable; text over 160 characters goes in UDH parts)
//   --tls-cert FILE --tls-key FILE   SMPP over TLS with this PEM certificate and key
//   --redeliver-ms N       a receipt answered with an error, or unanswered when
//                          its connection closed, goes again after N ms to a
//                          bound session, as a store-and-forward SMSC does
//                          (default 500)
//
// SIGUSR1 drops every connection at once (unanswered receipts are kept and
// delivered again after the next bind).
//
// Every PDU received is printed as one JSON line ({"pdu": name, ...}), so a
// test can count what reached the SMSC.
'use strict';
const smpp = require('smpp');

function options(argv) {
    const o = {port: 0, systemId: 'ujumbe', password: 'secret', idBase: 'decimal',
               receiptIdBase: null, receiptDelayMs: 20, receiptStat: 'DELIVRD', slowMs: 0,
               throttleEvery: 0, rejectPrefix: null, refuseStatus: 0, dropAfter: 0, muteEnquire: false, mo: [],
               redeliverMs: 500, tlsCert: null, tlsKey: null};
    for (let i = 2; i < argv.length; i += 2) {
        const key = argv[i], value = argv[i + 1];
        if (value === undefined) throw new Error('missing value for ' + key);
        switch (key) {
            case '--port': o.port = Number(value); break;
            case '--system-id': o.systemId = value; break;
            case '--password': o.password = value; break;
            case '--id-base': o.idBase = value; break;
            case '--receipt-id-base': o.receiptIdBase = value; break;
            case '--receipt-delay-ms': o.receiptDelayMs = Number(value); break;
            case '--receipt-stat': o.receiptStat = value; break;
            case '--slow-ms': o.slowMs = Number(value); break;
            case '--throttle-every': o.throttleEvery = Number(value); break;
            case '--reject-prefix': o.rejectPrefix = value; break;
            case '--refuse-status': o.refuseStatus = Number(value); break;
            case '--drop-after': o.dropAfter = Number(value); break;
            case '--mute-enquire': o.muteEnquire = value === '1'; break;
            case '--mo': o.mo.push(value); break;
            case '--redeliver-ms': o.redeliverMs = Number(value); break;
            case '--tls-cert': o.tlsCert = value; break;
            case '--tls-key': o.tlsKey = value; break;
            default: throw new Error('unknown option ' + key);
        }
    }
    if (!o.receiptIdBase) o.receiptIdBase = o.idBase;
    return o;
}

const opt = options(process.argv);
let nextId = 1000000;  // message ids count up from here
let submits = 0;
let moReference = 0;

function log(entry) {
    process.stdout.write(JSON.stringify(entry) + '\n');
}

function formatId(n, base) {
    return base === 'hex' ? n.toString(16).toUpperCase().padStart(8, '0') : String(n);
}

function smppDate(d) {
    const p = (n) => String(n).padStart(2, '0');
    return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
           p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds());
}

// What node-smpp made of a short_message: its text (decoded by data_coding)
// and the information elements of its UDH (hex, comma-separated), if any.
function understood(pdu) {
    const sm = pdu.short_message;
    const hex = (b) => Buffer.from(b).toString('hex');
    if (sm && typeof sm === 'object' && !Buffer.isBuffer(sm))
        return {text: Buffer.isBuffer(sm.message) ? sm.message.toString('hex') : sm.message,
                udh: Array.isArray(sm.udh) ? sm.udh.map(hex).join(',') : sm.udh ? hex(sm.udh) : ''};
    return {text: Buffer.isBuffer(sm) ? sm.toString('hex') : String(sm || ''), udh: ''};
}

// Sessions bound to take receipts, and receipts waiting for one.
const receivers = new Set();
const waitingReceipts = [];

// Sends a receipt on a bound session; it goes again later when refused
// (e.g. ESME_RX_T_APPN) or left unanswered by a closing connection.
function deliverReceipt(receipt, preferred) {
    const session = preferred && receivers.has(preferred) ? preferred
                                                          : receivers.values().next().value;
    if (!session) {
        waitingReceipts.push(receipt);
        return;
    }
    session.unansweredReceipts.add(receipt);
    const sent = session.send(new smpp.PDU('deliver_sm', receipt.fields), (resp) => {
        session.unansweredReceipts.delete(receipt);
        if (resp.command_status === 0) return;
        log({receipt: 'refused', id: receipt.id, status: resp.command_status});
        setTimeout(() => deliverReceipt(receipt), opt.redeliverMs);
    });
    if (sent === false) {
        session.unansweredReceipts.delete(receipt);
        setTimeout(() => deliverReceipt(receipt), opt.redeliverMs);
    }
}

function sendReceipt(session, submit, id, submittedAt) {
    if (opt.receiptDelayMs < 0 || !(submit.registered_delivery & 0x03)) return;
    setTimeout(() => {
        const receiptId = formatId(id, opt.receiptIdBase);
        const text = 'id:' + receiptId + ' sub:001 dlvrd:' +
            (opt.receiptStat === 'DELIVRD' ? '001' : '000') + ' submit date:' +
            smppDate(submittedAt) + ' done date:' + smppDate(new Date()) + ' stat:' +
            opt.receiptStat + ' err:000 text:';
        deliverReceipt({id: receiptId, fields: {
            source_addr_ton: submit.dest_addr_ton, source_addr_npi: submit.dest_addr_npi,
            source_addr: submit.destination_addr, dest_addr_ton: submit.source_addr_ton,
            dest_addr_npi: submit.source_addr_npi, destination_addr: submit.source_addr,
            esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'latin1'),
        }}, session);
    }, opt.receiptDelayMs);
}

function sendMo(session, spec) {
    const [from, to, ...rest] = spec.split(':');
    const text = Buffer.from(rest.join(':'), 'latin1');  // ASCII: GSM septets unpacked
    const parts = [];
    if (text.length <= 160) {
        parts.push({esm: 0, body: text});
    } else {
        const ref = (++moReference) & 0xFF;
        const total = Math.ceil(text.length / 153);
        for (let i = 0; i < total; ++i) {
            const udh = Buffer.from([0x05, 0x00, 0x03, ref, total, i + 1]);
            parts.push({esm: 0x40, body: Buffer.concat([udh, text.subarray(i * 153, (i + 1) * 153)])});
        }
    }
    for (const part of parts)
        session.send(new smpp.PDU('deliver_sm', {
            source_addr_ton: 1, source_addr_npi: 1, source_addr: from, dest_addr_ton: 0,
            dest_addr_npi: 0, destination_addr: to, esm_class: part.esm, data_coding: 0,
            short_message: part.body,
        }));
}

const sessions = new Set();
const tlsOptions = opt.tlsCert
    ? {cert: require('fs').readFileSync(opt.tlsCert), key: require('fs').readFileSync(opt.tlsKey)}
    : {};
const server = smpp.createServer(tlsOptions, (session) => {
    let bound = false;
    session.unansweredReceipts = new Set();
    sessions.add(session);
    session.on('close', () => {
        sessions.delete(session);
        receivers.delete(session);
        for (const r of session.unansweredReceipts)
            setTimeout(() => deliverReceipt(r), opt.redeliverMs);
        session.unansweredReceipts.clear();
    });
    function onBind(kind) {
        return (pdu) => {
            log({pdu: kind, system_id: pdu.system_id, seq: pdu.sequence_number});
            if (pdu.system_id !== opt.systemId || pdu.password !== opt.password) {
                session.send(pdu.response({command_status: smpp.ESME_RBINDFAIL}));
                return;
            }
            if (bound) {
                session.send(pdu.response({command_status: smpp.ESME_RALYBND}));
                return;
            }
            bound = true;
            session.send(pdu.response({system_id: 'node-smsc'}));
            if (kind !== 'bind_transmitter') {
                receivers.add(session);
                for (const r of waitingReceipts.splice(0)) deliverReceipt(r);
            }
            if (kind !== 'bind_transmitter') for (const mo of opt.mo) sendMo(session, mo);
        };
    }
    session.on('bind_transceiver', onBind('bind_transceiver'));
    session.on('bind_transmitter', onBind('bind_transmitter'));
    session.on('bind_receiver', onBind('bind_receiver'));
    session.on('submit_sm', (pdu) => {
        const count = ++submits;
        const sm = understood(pdu);
        log({pdu: 'submit_sm', seq: pdu.sequence_number, to: pdu.destination_addr,
             from: pdu.source_addr, esm_class: pdu.esm_class, data_coding: pdu.data_coding,
             registered_delivery: pdu.registered_delivery, text: sm.text, udh: sm.udh, count});
        if (opt.dropAfter && count === opt.dropAfter) {
            session.destroy();
            return;
        }
        const answer = () => {
            if (opt.throttleEvery && count % opt.throttleEvery === 0) {
                session.send(pdu.response({command_status: smpp.ESME_RTHROTTLED}));
                return;
            }
            if (opt.refuseStatus) {
                session.send(pdu.response({command_status: opt.refuseStatus}));
                return;
            }
            if (opt.rejectPrefix && pdu.destination_addr.startsWith(opt.rejectPrefix)) {
                session.send(pdu.response({command_status: smpp.ESME_RINVDSTADR}));
                return;
            }
            const id = nextId++;
            session.send(pdu.response({message_id: formatId(id, opt.idBase)}));
            sendReceipt(session, pdu, id, new Date());
        };
        if (opt.slowMs) setTimeout(answer, opt.slowMs); else answer();
    });
    session.on('deliver_sm_resp', (pdu) => log({pdu: 'deliver_sm_resp', seq: pdu.sequence_number,
                                                 status: pdu.command_status}));
    session.on('enquire_link', (pdu) => {
        log({pdu: 'enquire_link', seq: pdu.sequence_number});
        if (!opt.muteEnquire) session.send(pdu.response());
    });
    session.on('unbind', (pdu) => {
        log({pdu: 'unbind', seq: pdu.sequence_number});
        session.send(pdu.response());
        session.close();
    });
    session.on('error', (err) => log({error: String(err && err.message || err)}));
});

server.listen(opt.port, '127.0.0.1', () => {
    process.stdout.write('listening ' + server.address().port + '\n');
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGUSR1', () => {
    log({event: 'drop_connections', count: sessions.size});
    for (const session of sessions) session.destroy();
});
