// The service worker: keeps pages for reading offline, keeps taps made offline until they can be sent, and
// shows reminder pushes and answers their "Applied" and "Skip" buttons.
// Served at /sw.js by app/web/offline/routes.py, which writes VERSION, PRECACHE (the static files, by their
// hashed URLs) and PAGES (per language: the get-help page and the offline page) above this line.

// Static files of this version; a new version drops the old cache when it takes over.
const STATIC_CACHE = `static-${VERSION}`;
// Public pages as anyone sees them: the precached PAGES and the topic pages a reader opened.
const PAGES_CACHE = "pages";
// Pages of the signed-in account (their Today and missed-dose pages, and public pages that show their names):
// deleted on sign-out, on sign-in and when the account is deleted.
const PERSONAL_CACHE = "personal";
const PERSONAL_PAGE = /^\/people\/\d+\/(today|missed-dose)$/;
const PUBLIC_PAGE = /^\/[a-z]{2}(-[A-Za-z]+)?\//;
// Forms whose taps are kept on the phone when they cannot be sent (app/web/patient, app/web/symptoms).
const QUEUED_FORM = /^\/people\/(\d+)\/(applications|slots\/\d+\/skip|itch)$/;
const FORGET_ON = /^\/account\/(login|logout|signup)$|^\/people\/\d+\/data\/delete-account$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      await (await caches.open(STATIC_CACHE)).addAll(PRECACHE);
      // As a stranger sees them (no cookies): nobody's name is kept in the shared cache.
      const pages = await caches.open(PAGES_CACHE);
      const urls = Object.values(PAGES).flat();
      await Promise.all(urls.map(async (url) => pages.put(url, await fetchOk(url, { credentials: "omit" }))));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const old = (await caches.keys()).filter((name) => name.startsWith("static-") && name !== STATIC_CACHE);
      await Promise.all(old.map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && FORGET_ON.test(url.pathname)) {
    event.respondWith(forgetAccount().then(() => fetch(request)));
  } else if (request.method === "POST" && request.mode === "navigate" && QUEUED_FORM.test(url.pathname)) {
    event.respondWith(sendOrKeep(request));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  } else if (request.method === "GET" && request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});

async function fetchOk(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response;
}

// Static files never change under their hashed URL: the cache first. A page saved under an older version
// asks for older hashes: it gets today's file of the same name rather than no style at all.
async function staticFile(request) {
  const cached = (await caches.match(request)) || (await caches.match(request, { ignoreSearch: true }));
  return cached || fetch(request);
}

// Pages: the network first, so what is read online is always current; the saved copy when it fails.
async function page(request, url) {
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !url.search) await keep(url, response.clone());
    return response;
  } catch (error) {
    const saved = await savedPage(url);
    return saved ? markedOffline(saved) : offlinePage(url);
  }
}

async function keep(url, response) {
  const personal = PERSONAL_PAGE.test(url.pathname);
  if (!personal && !PUBLIC_PAGE.test(url.pathname)) return;
  // A public page read while signed in shows the account's names: it belongs with the account's pages.
  const signedIn = (response.headers.get("Cache-Control") || "").includes("no-store");
  const cache = await caches.open(personal || signedIn ? PERSONAL_CACHE : PAGES_CACHE);
  await cache.put(url.pathname, response);
  const language = response.headers.get("Content-Language");
  if (language) await rememberLanguage(language);
}

async function savedPage(url) {
  const personal = await caches.open(PERSONAL_CACHE);
  if (url.pathname === "/today") {
    // The installed app starts at /today, which the server sends on to the person's Today page.
    const todays = (await personal.keys()).filter((key) => new URL(key.url).pathname.endsWith("/today"));
    return todays.length ? personal.match(todays[0]) : undefined;
  }
  return (await personal.match(url.pathname)) || (await caches.match(url.pathname, { cacheName: PAGES_CACHE }));
}

// A saved copy says that it is one and when it was saved, and its forms get fresh request keys: a tap on it
// is a new tap, while the same form sent twice (a resend) keeps its key and is stored once.
async function markedOffline(response) {
  const language = (await recalledLanguage()) || "en";
  const html = (await response.text())
    .replaceAll("data-offline-note hidden", "data-offline-note")
    .replace(/<time datetime="([^"]+)" data-saved-at>[^<]*<\/time>/g, (_, iso) => {
      return `<time datetime="${iso}" data-saved-at>${clockTime(iso, language)}</time>`;
    })
    .replace(/(name="request_key" value=")[^"]*"/g, (_, start) => `${start}${newKey()}"`);
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function clockTime(iso, language) {
  const locale = language === "en" ? "en-GB" : language; // the site writes English the UK way
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

async function offlinePage(url) {
  const prefix = url.pathname.split("/")[1];
  const language = PAGES[prefix] ? prefix : (await recalledLanguage()) || Object.keys(PAGES)[0];
  const saved = await caches.match(PAGES[language][1], { cacheName: PAGES_CACHE });
  return saved || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

async function forgetAccount() {
  await caches.delete(PERSONAL_CACHE);
}

// The language of the last page read, for the offline page of a personal address (which has no /xx/ in it).
async function rememberLanguage(language) {
  await (await caches.open(PAGES_CACHE)).put("/offline-language", new Response(language));
}

async function recalledLanguage() {
  const saved = await caches.match("/offline-language", { cacheName: PAGES_CACHE });
  return saved ? saved.text() : null;
}

function newKey() {
  return self.crypto.randomUUID().replaceAll("-", "");
}

// ---- Taps kept on the phone -------------------------------------------------------------------------------

// A tap on a queued form: sent at once when the network allows; else kept with its instant and key, and the
// person is taken back to the page they tapped on, which says it is saved on this phone.
async function sendOrKeep(request) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (error) {
    const fields = Object.fromEntries(new URLSearchParams(await copy.text()));
    fields.tapped_at = fields.tapped_at || new Date().toISOString();
    fields.request_key = fields.request_key || newKey();
    await taps.put("waiting", { key: fields.request_key, url: request.url, fields });
    if (self.registration.sync) await self.registration.sync.register("send-taps").catch(() => {});
    const back = request.referrer && new URL(request.referrer).origin === self.location.origin;
    const person = new URL(request.url).pathname.match(QUEUED_FORM)[1];
    return Response.redirect(back ? request.referrer : `/people/${person}/today`, 303);
  }
}

// Send every waiting tap. The server judges each at its tapped_at and stores a key once, so a tap sent twice
// (a lost answer, two tabs) is one report. A tap the server answered (stored, already stored, or refused
// with a reason) leaves the phone, its answer kept for the page; one it could not judge (signed out, an old
// CSRF token, a server error) waits for the next try. Returns how many were answered.
async function sendTaps(csrfToken) {
  let answered = 0;
  for (const tap of await taps.all("waiting")) {
    const fields = csrfToken ? { ...tap.fields, csrf_token: csrfToken } : tap.fields;
    let response;
    try {
      response = await fetch(tap.url, {
        method: "POST",
        body: new URLSearchParams(fields),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      });
    } catch (error) {
      return answered; // still offline
    }
    const answer = await response.json().catch(() => null);
    if (!answer || !answer.message || response.status >= 500) continue;
    await taps.put("answers", { key: tap.key, message: answer.message, category: answer.category || "error" });
    await taps.remove("waiting", tap.key);
    answered += 1;
  }
  return answered;
}

self.addEventListener("sync", (event) => {
  if (event.tag !== "send-taps") return;
  event.waitUntil(
    sendTaps(null).then(async () => {
      if ((await taps.all("waiting")).length) throw new Error("taps still waiting"); // the browser tries again
    }),
  );
});

// A page asks what is waiting (to say so) and for the answers to taps sent since it last asked (to show them),
// handing over its CSRF token, which is the current session's.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "taps" || !event.ports[0]) return;
  event.waitUntil(
    (async () => {
      const sent = await sendTaps(event.data.csrfToken);
      const answers = sent ? [] : await taps.all("answers");
      await Promise.all(answers.map((answer) => taps.remove("answers", answer.key)));
      const waiting = (await taps.all("waiting")).map(({ url, fields }) => ({ url, tappedAt: fields.tapped_at }));
      event.ports[0].postMessage({ sent, answers, waiting });
    })(),
  );
});

// IndexedDB, two stores keyed by request key: taps waiting to be sent, and the server's answers to sent ones.
const taps = {
  open() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("thinlayer-taps", 1);
      opening.onupgradeneeded = () => {
        opening.result.createObjectStore("waiting", { keyPath: "key" });
        opening.result.createObjectStore("answers", { keyPath: "key" });
      };
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  },
  async run(store, mode, action) {
    const database = await this.open();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(store, mode);
      const asked = action(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(asked.result);
      transaction.onerror = () => reject(transaction.error);
    }).finally(() => database.close());
  },
  all(store) {
    return this.run(store, "readonly", (objects) => objects.getAll());
  },
  put(store, value) {
    return this.run(store, "readwrite", (objects) => objects.put(value));
  },
  remove(store, key) {
    return this.run(store, "readwrite", (objects) => objects.delete(key));
  },
};

// ---- Reminder pushes ----------------------------------------------------------------------------------------

// A push carries ReminderMessage.payload() (app/reminders/message.py), already in the person's language.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  if (!data.title) return; // nothing of ours to show; the browser shows its own notice instead
  event.waitUntil(
    self.registration.showNotification(data.title, {
      body: data.body,
      // One notification per dose slot: a repeated push for the slot replaces the earlier one quietly.
      tag: data.topic,
      renotify: false,
      lang: data.lang,
      data: { url: data.url, act_url: data.act_url, token: data.token },
      actions: data.actions || [],
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const { url, act_url: actUrl, token } = notification.data || {};
  notification.close();
  if (event.action && actUrl) {
    event.waitUntil(act(notification, event.action, actUrl, token, url));
  } else if (url) {
    event.waitUntil(openPage(url));
  }
});

// Record "applied" or "skip" without opening the site, then confirm in the same notification slot.
// The signed token authorises the action, so this works even when the person is not logged in.
async function act(notification, action, actUrl, token, url) {
  try {
    const response = await fetch(actUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, action }).toString(),
    });
    const { message } = await response.json();
    if (!response.ok || !message) throw new Error(`action answered ${response.status}`);
    await self.registration.showNotification(message, {
      tag: notification.tag,
      renotify: false,
      lang: notification.lang,
      data: { url },
    });
  } catch (error) {
    // Offline, an expired token, a server error: the Today page lets the person do it by hand.
    if (url) await openPage(url);
  }
}

// Focus a tab already showing url, or open one.
async function openPage(url) {
  const href = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => client.url === href);
  return open ? open.focus() : self.clients.openWindow(href);
}
