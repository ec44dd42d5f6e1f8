import {
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showDialog, Dialog } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon, ToolbarButton } from '@jupyterlab/ui-components';

import { MlopsModel } from './model';
import { registerPages } from './pages/commands';
import { MlopsPanelWidget } from './panel';
import { promoteNotebook } from './promote';
import { DEFAULT_SETTINGS, readSettings } from './state';

const PLUGIN_ID = 'jupyter-mlops:plugin';
export const PROMOTE_COMMAND = 'jupyter-mlops:promote-notebook';
export const OPEN_COMMAND = 'jupyter-mlops:open-panel';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
<g class="jp-icon3" fill="#616161"><path d="M3 20h18v2H3z"/><path d="M5 10h3v8H5zM10.5 6h3v12h-3zM16 13h3v5h-3z"/></g></svg>`;

export const mlopsIcon = new LabIcon({ name: 'jupyter-mlops:icon', svgstr: ICON_SVG });

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Side panel for jupyter-mlops: runs, snapshots, registry, drift and pipelines.',
  autoStart: true,
  optional: [ISettingRegistry, ICommandPalette, INotebookTracker, ILayoutRestorer, IRouter],
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    router: IRouter | null
  ) => {
    // One model: the side panel and every main-area page read it.
    const model = new MlopsModel({ interval: DEFAULT_SETTINGS.refreshInterval });
    const openPage = registerPages(app, model, palette, restorer, router);
    const panel = new MlopsPanelWidget(DEFAULT_SETTINGS, model, openPage);
    panel.title.icon = mlopsIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'jupyter-mlops-panel');

    app.commands.addCommand(OPEN_COMMAND, {
      label: 'Open the MLOps panel',
      execute: () => app.shell.activateById(panel.id)
    });

    app.commands.addCommand(PROMOTE_COMMAND, {
      label: 'Promote notebook to pipeline',
      caption: 'Turn the current notebook into a parameterised, reproducible pipeline',
      icon: mlopsIcon,
      isEnabled: args => !!args.path || !!notebooks?.currentWidget,
      execute: async args => {
        // The toolbar button names its own notebook; the palette acts on the current one.
        const target = args.path
          ? notebooks?.find(nb => nb.context.path === args.path)
          : notebooks?.currentWidget;
        if (!target) {
          return;
        }
        await target.context.save();
        const message = await promoteNotebook(target.context.path);
        await showDialog({
          title: message.title,
          body: message.body,
          buttons: [Dialog.okButton()]
        });
      }
    });
    palette?.addItem({ command: PROMOTE_COMMAND, category: 'MLOps' });
    palette?.addItem({ command: OPEN_COMMAND, category: 'MLOps' });

    notebooks?.widgetAdded.connect((_, nb) => {
      const button = new ToolbarButton({
        icon: mlopsIcon,
        label: 'Promote',
        tooltip: 'Promote notebook to pipeline',
        onClick: () => void app.commands.execute(PROMOTE_COMMAND, { path: nb.context.path })
      });
      nb.toolbar.insertItem(10, 'mlopsPromote', button);
    });

    if (registry) {
      try {
        const settings = await registry.load(PLUGIN_ID);
        const apply = () => {
          panel.settings = readSettings(settings.composite as any);
        };
        apply();
        settings.changed.connect(apply);
      } catch (err) {
        console.warn('jupyter-mlops: cannot read the settings', err);
      }
    }
  }
};

export default plugin;
