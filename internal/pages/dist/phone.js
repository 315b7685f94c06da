"use strict";(()=>{function t(s,e={},...n){let i=document.createElement(s);for(let[r,o]of Object.entries(e))typeof o=="function"?i.addEventListener(r.slice(2),o):o===!0?i.setAttribute(r,""):typeof o=="string"&&i.setAttribute(r,o);return i.append(...x(n)),i}function x(s){return s.filter(e=>e!==!1&&e!=null)}var h=class{constructor(e){this.failed=e;this.el=t("p",{class:"notice",role:"alert",hidden:!0})}show(e){this.el.textContent=e,this.el.hidden=!e}fail(e){this.show(this.failed(e instanceof Error?e.message:String(e)))}async run(e){try{return await e(),this.show(""),!0}catch(n){return this.fail(n),!1}}};var c=class{constructor(e,n){let i=t("input",{id:"phone-link",name:"link",type:"url",required:!0,placeholder:"https://\u2026","aria-describedby":"phone-link-hint"});this.el=t("form",{class:"scan",onsubmit:async r=>{r.preventDefault(),await n(i.value.trim())&&(i.value="")}},t("label",{for:"phone-link"},e.scan),t("p",{id:"phone-link-hint",class:"hint"},e.scanHint),t("div",{class:"row"},i,t("button",{type:"submit"},e.open)))}},m=class{constructor(e,n){this.t=e;this.tap=n;this.shown=new Map;this.list=t("ol",{}),this.empty=t("p",{class:"empty"},e.empty),this.el=t("section",{class:"thread","aria-label":e.chat,"aria-live":"polite"},this.empty,this.list)}show(e){let n=this.el.scrollTop+this.el.clientHeight>=this.el.scrollHeight-20;this.empty.hidden=e.length>0;let i=new Set(e.map(o=>o.id));for(let[o,p]of this.shown)i.has(o)||(p.el.remove(),this.shown.delete(o));let r=null;for(let o of e){let p=JSON.stringify([o.text,o.choices,o.state]),a=this.shown.get(o.id);if(a?.drawn!==p){let b=this.line(o);a?.el.replaceWith(b),a={el:b,drawn:p},this.shown.set(o.id,a)}a.el.dataset.read=String(!!o.read),(!a.el.isConnected||a.el.previousElementSibling!==r)&&(r?r.after(a.el):this.list.prepend(a.el)),r=a.el}n&&(this.el.scrollTop=this.el.scrollHeight)}line(e){let n=new Date(e.time);return t("li",{class:`msg ${e.from}`,"data-id":e.id},t("p",{class:"text"},e.text),...x([!!e.template&&t("p",{class:"template"},e.template),!!e.choices?.length&&e.form!=="list"&&t("div",{class:"choices","data-form":e.form??"buttons"},...e.choices.map(i=>t("button",{type:"button","data-choice":i.id,onclick:()=>this.tap(i.id)},i.title))),!!e.choices?.length&&e.form==="list"&&t("details",{class:"choices","data-form":"list"},t("summary",{},e.menu??""),...e.choices.map(i=>t("button",{type:"button","data-choice":i.id,onclick:()=>this.tap(i.id)},i.title))),t("p",{class:"meta"},t("time",{datetime:e.time},n.toLocaleTimeString([],{hour:"2-digit",minute:"2-digit"})),e.state&&new w(this.t,e.state).el)]))}},w=class{constructor(e,n){let i={sent:"\u2713",delivered:"\u2713\u2713",read:"\u2713\u2713",failed:"!"}[n];this.el=t("span",{class:"ticks","data-state":n,title:e.ticks[n]},t("span",{"aria-hidden":"true"},i),t("span",{class:"visually-hidden"},e.ticks[n]))}},u=class{constructor(e,n){let i=t("textarea",{name:"text",rows:"1","aria-label":e.yourMessage,placeholder:e.yourMessage,maxlength:"4096"}),r=async o=>{o.preventDefault();let p=i.value.trim();p&&await n(p)&&(i.value="")};i.addEventListener("keydown",o=>{o.key==="Enter"&&!o.shiftKey&&r(o)}),this.el=t("form",{class:"composer",onsubmit:o=>{r(o)}},i,t("button",{type:"submit"},e.send))}};var d=class extends Error{constructor(n,i){super(i);this.status=n}},g=class{constructor(e){this.url=e}view(e){return this.call("GET",e===void 0?"":`?after=${e}`)}write(e){return this.call("POST","/messages",{text:e})}tap(e){return this.call("POST","/tap",{choiceId:e})}open(e){return this.call("POST","/open",{link:e})}read(){return this.call("POST","/read")}async call(e,n,i){let r=await fetch(this.url+n,{method:e,headers:i===void 0?{}:{"Content-Type":"application/json"},body:i===void 0?void 0:JSON.stringify(i)}),o=await r.json();if(!r.ok)throw new d(r.status,o.error??`HTTP ${r.status}`);return o}};var f=class{constructor(e,n,i){this.root=e;this.t=i;this.screen=null;this.offline=!1;this.api=new g(n),this.notice=new h(i.failed),this.title=t("h1",{},""),this.who=t("p",{class:"who"},""),this.thread=new m(i,r=>{this.notice.run(()=>this.api.tap(r).then(()=>{}))}),this.typing=t("p",{class:"typing",role:"status",hidden:!0},i.typing),e.append(t("header",{},this.title,this.who),t("main",{},this.notice.el,new c(i,r=>this.notice.run(()=>this.api.open(r).then(()=>{}))).el,this.thread.el,this.typing,new u(i,r=>this.notice.run(()=>this.api.write(r).then(()=>{}))).el)),document.addEventListener("visibilitychange",()=>this.read()),this.follow()}async follow(){for(let e=0;;)try{let n=await this.api.view(this.screen?.version);e=0,this.offline&&this.notice.show(""),this.offline=!1,this.show(n)}catch(n){if(n instanceof d&&n.status<500)return this.notice.fail(n);this.offline=!0,this.notice.show(this.t.reconnecting),await new Promise(i=>setTimeout(i,Math.min(1e4,500*2**e++)))}}show(e){this.screen=e;let n=this.t.apps[e.channel];document.title=this.t.title(n),this.root.dataset.channel=e.channel,this.title.textContent=`${n} \xB7 ${this.t.chatWith(e.handle)}`,this.who.textContent=this.t.you(e.user),this.thread.show(e.messages),this.showTyping(!!e.typing),this.read()}showTyping(e){clearTimeout(this.typingTimer),this.typing.hidden=!e,e&&(this.typingTimer=setTimeout(()=>this.typing.hidden=!0,S))}read(){this.screen?.messages.some(n=>n.from==="business"&&!n.read)&&document.visibilityState==="visible"&&this.notice.run(()=>this.api.read().then(()=>{}))}},S=2e4;var l={apps:{WHATSAPP:"WhatsApp",MESSENGER:"Messenger",INSTAGRAM:"Instagram"},title:s=>`${s}: sandbox phone`,chatWith:s=>`Chat with ${s}`,you:s=>`This phone is user ${s}.`,scan:"Scan the widget's QR code",scanHint:"Paste the link its QR code holds, or its \u201COpen the app\u201D link.",open:"Open",chat:"Chat",empty:"No messages yet: open the widget's link above, or write to the business.",yourMessage:"Message",send:"Send",ticks:{sent:"Sent",delivered:"Delivered",read:"Read",failed:"Not delivered"},typing:"typing\u2026",reconnecting:"Connection lost. Reconnecting\u2026",failed:s=>`Something went wrong: ${s}`,pick:"Open one of the sandbox phones the server printed when it first started, or give a sandbox integration's webhook key.",key:"Webhook key",openPhone:"Open the phone"};var v=`/* A phone's screen: one column, at most a phone's width, the chat scrolls. */
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #d9dde3; }
button, input, textarea { font: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid #f0a202; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }

#phone {
  --app: #1f4fd1;
  display: flex; flex-direction: column; height: 100%; max-width: 430px; margin: 0 auto; background: #fff;
}
#phone[data-channel="WHATSAPP"] { --app: #075e54; }
#phone[data-channel="MESSENGER"] { --app: #0a58ca; }
#phone[data-channel="INSTAGRAM"] { --app: #a0226b; }
header { padding: 10px 14px; background: var(--app); color: #fff; }
h1 { margin: 0; font-size: 17px; }
.who { margin: 2px 0 0; font-size: 13px; }
main { display: flex; flex: 1; flex-direction: column; min-height: 0; }
main > h1 { padding: 14px 14px 0; color: inherit; }
main > p { padding: 0 14px; }

.notice { margin: 0; padding: 8px 14px; background: #fdecea; color: #8a1c12; }

.scan { padding: 10px 14px; border-bottom: 1px solid #ddd; }
.scan label { font-weight: 600; }
.hint { margin: 2px 0 6px; font-size: 13px; color: #444; }
.row { display: flex; gap: 8px; }
.row input { flex: 1; min-width: 0; padding: 6px 8px; border: 1px solid #767676; border-radius: 6px; }
.row button, .composer button { padding: 6px 14px; border: 0; border-radius: 6px; background: var(--app); color: #fff; }

.thread { flex: 1; overflow-y: auto; padding: 12px 14px; background: #f3f1ee; }
.thread ol { margin: 0; padding: 0; list-style: none; }
.empty { color: #444; }
.msg { max-width: 85%; margin: 0 0 10px; padding: 6px 10px; border-radius: 10px; background: #fff; box-shadow: 0 1px 1px rgb(0 0 0 / 10%); }
.msg.user { margin-left: auto; background: #dcf1d6; }
.text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.meta { display: flex; gap: 6px; justify-content: flex-end; margin: 2px 0 0; font-size: 12px; color: #444; }
.ticks[data-state="delivered"] { color: #0b5394; }
.ticks[data-state="read"] { color: #0a63ad; font-weight: 700; }
.ticks[data-state="failed"] { color: #a3150b; font-weight: 700; }
.choices { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.choices button { padding: 6px 10px; border: 1px solid var(--app); border-radius: 16px; background: #fff; color: var(--app); }

.composer { display: flex; gap: 8px; padding: 10px 14px; border-top: 1px solid #ddd; }
.composer textarea { flex: 1; resize: none; padding: 6px 8px; border: 1px solid #767676; border-radius: 6px; }

/* R31: the business typing. */
.typing { margin: 0; padding: 4px 12px; font-size: 13px; color: #555; font-style: italic; }
`;document.head.append(t("style",{},v));var k=document.getElementById("phone"),y=new URLSearchParams(location.search),T=y.get("key");if(!T)k.append(t("main",{},t("h1",{},l.openPhone),t("p",{},l.pick),t("form",{method:"get",action:"/phone",class:"scan"},t("label",{for:"phone-key"},l.key),t("div",{class:"row"},t("input",{id:"phone-key",name:"key",required:!0}),t("button",{type:"submit"},l.openPhone)))));else{let s=y.get("user");s||(s=Array.from(crypto.getRandomValues(new Uint8Array(15)),e=>e%10).join("").replace(/^0/,"1"),y.set("user",s),history.replaceState(null,"",`?${y}`)),new f(k,`/sandbox/${encodeURIComponent(T)}/phones/${encodeURIComponent(s)}`,l)}})();
