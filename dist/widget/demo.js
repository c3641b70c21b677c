// The demo shop at /demo: the embed snippet's command queue, and buttons that drive the
// widget's public API (open, identify, reset, on) and navigate like a single-page app.
window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments); };

(() => {
  const pages = {
    '/demo': { title: 'Parley Coffee Co. — Shop', heading: 'Fresh roasts, shipped weekly' },
    '/demo?p=beans': { title: 'Beans — Parley Coffee Co.', heading: 'Single-origin beans' },
    '/demo?p=cart': { title: 'Your cart — Parley Coffee Co.', heading: 'Your cart' },
  };

  function log(line) {
    const box = document.getElementById('log');
    box.textContent = `${new Date().toLocaleTimeString()}  ${line}\n${box.textContent}`;
  }

  /** Client-side navigation, as a single-page app does it: the widget reports the new page. */
  function show(path, push) {
    const page = pages[path] || pages['/demo'];
    if (push) history.pushState({}, '', path);
    document.title = page.title;
    document.getElementById('heading').textContent = page.heading;
    for (const a of document.querySelectorAll('nav a')) {
      if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  Parley('on', 'open', () => log('chat opened'));
  Parley('on', 'close', () => log('chat closed'));
  Parley('on', 'message', (m) => log(`message from ${m.author.name || m.author.kind}: ${m.body}`));
  Parley('on', 'unread', (n) => {
    document.getElementById('unread').textContent = n ? `${n} unread repl${n === 1 ? 'y' : 'ies'}` : '';
    log(`unread: ${n}`);
  });

  document.addEventListener('DOMContentLoaded', () => {
    show(location.pathname + location.search, false);
    document.querySelector('nav').addEventListener('click', (event) => {
      const link = event.target.closest('a');
      if (!link) return;
      event.preventDefault();
      show(link.getAttribute('href'), true);
    });
    window.addEventListener('popstate', () => show(location.pathname + location.search, false));
    document.getElementById('open').addEventListener('click', () => Parley('open'));
    document.getElementById('identify').addEventListener('click', () => {
      // Unsigned name and email: kept as the visitor's own, shown to agents as unverified.
      // A real site signs the identity on its server: {jwt} or {id, name, email, hash}.
      Parley('identify', { name: 'Ada Lovelace', email: 'ada@example.com' });
      log('identify: Ada Lovelace (unverified)');
    });
    document.getElementById('logout').addEventListener('click', () => {
      Parley('reset');
      log('reset: the widget forgot this visitor');
    });
    for (const button of document.querySelectorAll('[data-product]')) {
      button.addEventListener('click', () => log(`added ${button.dataset.product} to the cart`));
    }
  });
})();
