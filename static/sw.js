// The service worker: shows reminder pushes and answers their "Applied" and "Skip" buttons.
// Served at /sw.js so its scope is the whole site. It caches nothing: the site works online only.

// A new version takes over at once; there is no cache whose old copies could clash with it.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

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
