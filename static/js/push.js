// Progressive enhancement for reminder settings: turn Web Push on or off in this browser.
// Without JavaScript or PushManager the page already says push needs them; this adds the buttons.
// Every message shown comes from the page or the server, so it is already in the person's language.
(() => {
  const box = document.querySelector("[data-push]");
  if (!box) return;
  const enable = box.querySelector("[data-push-enable]");
  const disable = box.querySelector("[data-push-disable]");
  const status = box.querySelector("[data-push-status]");
  const msg = box.dataset;
  const say = (text) => {
    if (status) status.textContent = text || "";
  };

  if (!("serviceWorker" in navigator && "PushManager" in window)) {
    say(msg.msgUnsupported);
    return;
  }

  // A failure whose message the server wrote (and translated), as opposed to a browser error.
  class ServerSaid extends Error {}

  // Show "Turn on" when this browser has no subscription, "Turn off" when it has one.
  const show = (subscribed) => {
    if (enable) enable.hidden = subscribed;
    if (disable) disable.hidden = !subscribed;
  };

  const currentSubscription = async () => {
    const registration = await navigator.serviceWorker.getRegistration("/");
    return registration ? registration.pushManager.getSubscription() : null;
  };

  // The VAPID public key arrives as base64url; PushManager wants its bytes.
  const keyBytes = (base64url) => {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };

  // POST JSON with the CSRF token; the server's translated message.
  const post = async (url, body) => {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": msg.csrf },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw data.message ? new ServerSaid(data.message) : new Error(String(response.status));
    return data.message;
  };

  // Run one action at a time, saying "…" while it works and what happened when it is done.
  let busy = false;
  const run = async (task) => {
    if (busy) return;
    busy = true;
    box.setAttribute("aria-busy", "true");
    say(msg.msgWorking);
    try {
      say(await task());
    } catch (error) {
      if (error instanceof ServerSaid) say(error.message);
      else say(error && error.name === "NotAllowedError" ? msg.msgDenied : msg.msgFailed);
    } finally {
      busy = false;
      box.removeAttribute("aria-busy");
    }
  };

  enable?.addEventListener("click", () =>
    run(async () => {
      // Ask first, while the click still counts as the person's gesture (Firefox insists on it).
      if ((await Notification.requestPermission()) !== "granted") return msg.msgDenied;
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      const registration = await navigator.serviceWorker.ready; // subscribe needs an active worker
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(msg.vapidKey),
      });
      const message = await post(msg.subscribeUrl, subscription.toJSON());
      show(true);
      return message;
    }),
  );

  disable?.addEventListener("click", () =>
    run(async () => {
      const subscription = await currentSubscription();
      show(false);
      if (!subscription) return "";
      const { endpoint } = subscription;
      // Unsubscribe first: should the POST fail, the push service answers 410 and the server forgets it then.
      await subscription.unsubscribe();
      return post(msg.unsubscribeUrl, { endpoint });
    }),
  );

  currentSubscription()
    .then((subscription) => show(Boolean(subscription)))
    .catch(() => show(false));
})();
