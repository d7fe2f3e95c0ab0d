import { app, BrowserWindow, globalShortcut, ipcMain, powerSaveBlocker, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ipcCalls, ipcEvents } from '../shared/ipc.js';
import { dispatchIpc } from './ipcRouter.js';
import { createStudioServices } from './studioServices.js';
import { RENDERER_CSP } from './webBridge.js';

/**
 * The Electron shell: windows, lifecycle and the wiring of services to IPC. Everything else is
 * plain TypeScript in ./services, tested without Electron.
 */
app.enableSandbox();

let win: BrowserWindow | undefined;
let blocker: number | undefined;

const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).toString();

/** Only our own renderer, in our own window, may call the services. */
function isTrustedSender(sender: WebContents, frameUrl: string | undefined): boolean {
  if (!win || sender !== win.webContents || !frameUrl) return false;
  try {
    return new URL(frameUrl).href.split('#')[0]!.split('?')[0] === new URL(rendererUrl).href.split('?')[0];
  } catch {
    return false;
  }
}

/** While on air: keep the machine awake and never throttle the window (timers, audio, meters). */
function setOnAir(onAir: boolean): void {
  if (onAir && blocker === undefined) blocker = powerSaveBlocker.start('prevent-app-suspension');
  if (!onAir && blocker !== undefined) {
    powerSaveBlocker.stop(blocker);
    blocker = undefined;
  }
  win?.webContents.setBackgroundThrottling(!onAir);
}

const services = createStudioServices({
  dataDir: app.getPath('userData'),
  emit: (event, payload) => win?.webContents.send(ipcEvents[event].channel, payload),
  onAir: setOnAir,
  shortcuts: { register: (accelerator, onPress) => globalShortcut.register(accelerator, onPress), unregister: (accelerator) => globalShortcut.unregister(accelerator) },
});

for (const call of Object.values(ipcCalls)) {
  ipcMain.handle(call.channel, (event, payload: unknown) => {
    if (!isTrustedSender(event.sender, event.senderFrame?.url)) {
      return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame' } };
    }
    return dispatchIpc(services.handlers, call.channel, payload);
  });
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1200,
    height: 800,
    title: 'Spaces Studio',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  // New windows and navigation away are denied; web links open in the user's browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== win?.webContents.getURL()) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e) => e.preventDefault());
  win.on('closed', () => (win = undefined));
  void win.loadURL(rendererUrl);
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  // Microphone and speaker selection are the only permissions the Studio asks for.
  session.defaultSession.setPermissionRequestHandler((wc, permission, done) => {
    done(permission === 'media' && wc === win?.webContents);
  });
  session.defaultSession.setPermissionCheckHandler((wc, permission) => (permission === 'media' || permission === 'speaker-selection') && wc === win?.webContents);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => {
  globalShortcut.unregisterAll();
  setOnAir(false);
  services.close();
});
