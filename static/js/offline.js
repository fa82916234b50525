// Offline on every page: registers the service worker (static/sw.js), which keeps pages to read offline and
// taps made offline. On a person's page it lists that person's taps still waiting on this phone, and the
// server's answers to taps sent since; the words are the page's, in data attributes of [data-taps].
(function () {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  const region = document.querySelector("[data-taps]");
  const person = window.location.pathname.match(/^\/people\/\d+\//);
  if (!region || !person) return;

  // The worker sends what is waiting (with this page's CSRF token, the session's) and answers.
  async function ask() {
    const worker = navigator.serviceWorker.controller || (await navigator.serviceWorker.ready).active;
    if (!worker) return;
    const token = document.querySelector('input[name="csrf_token"]');
    const channel = new MessageChannel();
    const reply = new Promise((resolve) => (channel.port1.onmessage = (event) => resolve(event.data)));
    worker.postMessage({ type: "taps", csrfToken: token ? token.value : null }, [channel.port2]);
    const { sent, answers, waiting } = await reply;
    if (sent) {
      window.location.reload(); // the page shows the doses as they now stand; the answers come with it
      return;
    }
    show(answers, waiting.filter((tap) => new URL(tap.url).pathname.startsWith(person[0])));
  }

  function show(answers, waiting) {
    const list = region.querySelector("ul");
    const kinds = JSON.parse(region.dataset.kinds);
    list.replaceChildren(
      ...answers.map((answer) => item(answer.message, `taps-${answer.category}`)),
      ...waiting.map((tap) => {
        const kind = Object.keys(kinds).find((name) => tap.url.includes(name));
        return item(`${kinds[kind]}: ${region.dataset.waiting.replace("{time}", clock(tap.tappedAt))}`, "taps-waiting");
      }),
    );
    region.hidden = list.children.length === 0;
    // A dose waiting to be sent is a dose applied: the saved page's "Now" and its forms to apply or skip would
    // say otherwise, so they go; what stays is when each dose is.
    if (waiting.some((tap) => tap.url.endsWith("/applications"))) {
      list.append(item(region.dataset.waitingApply, "taps-waiting"));
      const stale = document.querySelectorAll('.moment, form[action$="/applications"], form[action$="/skip"]');
      stale.forEach((element) => ((element.closest("details") || element).hidden = true));
    }
  }

  function item(text, className) {
    const li = document.createElement("li");
    li.className = className;
    li.textContent = text;
    return li;
  }

  function clock(iso) {
    const language = document.documentElement.lang === "en" ? "en-GB" : document.documentElement.lang;
    return new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
  }

  ask().catch(() => {});
  window.addEventListener("online", () => ask().catch(() => {}));
})();
